import Control
import Foundation
import Hummingbird

extension RecorderRoutes {
    /// Page sizes a client may ask for; the default is `RecordingQuery`'s.
    static let pageLimits = 1...1000

    /// The longest reason a hold may give.
    static let maxHoldReason = 1024

    /// The parameters `GET /api/Recordings` takes, lower-cased.
    static let listParameters: Set<String> = ["agentid", "agentidentifier", "value", "callinstance", "from", "to", "cursor", "limit"]

    /// `GET /api/Recordings?agentId=|AgentIdentifier=&Value=&callInstance=&from=&to=&limit=&cursor=`, newest first;
    /// any other parameter is refused.
    func recordings(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        try parameters.refuseUnknown(Self.listParameters)
        var agentId = try parameters.integer("agentId")
        // The agent as every other endpoint names it: AgentIdentifier and Value.
        if parameters["agentIdentifier"] != nil || parameters["value"] != nil {
            let reference = try AgentReference(identifier: parameters["agentIdentifier"], value: parameters["value"])
            let named = try await service.agent(reference).agentId
            // Filters hold together: two that name different agents match no recording.
            if let agentId, agentId != named {
                return JSONResponse.make(RecordingPageBody(RecordingPage(items: [], nextCursor: nil)))
            }
            agentId = named
        }
        var query = RecordingQuery(
            agentId: agentId,
            callInstance: parameters["callInstance"],
            fromNanos: try parameters.time("from"),
            toNanos: try parameters.time("to"),
            cursor: parameters["cursor"])
        if let limit = try parameters.integer("limit", in: Self.pageLimits) {
            query.limit = limit
        }
        if let from = query.fromNanos, let to = query.toNanos, from > to {
            throw ControlError(.badRequest, "'from' is after 'to'")
        }
        return JSONResponse.make(RecordingPageBody(try await service.recordings(query)))
    }

    /// `GET /api/Recordings/{id}`: the sidecar once the recording has ended; until then (and if
    /// the sidecar is missing) the index entry with its state.
    func recording(_ request: Request, context: some RequestContext) async throws -> Response {
        let entry = try await indexEntry(context)
        guard entry.isFinished else {
            return JSONResponse.make(RecordingSummary(entry))
        }
        do {
            let body = try await fileIO.loadFile(path: entry.sidecarPath, context: context)
            return Response(status: .ok, headers: [.contentType: JSONResponse.contentType], body: body)
        } catch {
            context.logger.warning("sidecar missing", metadata: ["recording": "\(entry.recordingIdentifier)",
                                                                 "path": "\(entry.sidecarPath)"])
            return JSONResponse.make(RecordingSummary(entry))
        }
    }

    /// `POST /api/Recordings/{id}/Hold` (optional body `{"Reason": "…"}`) places a legal hold,
    /// `DELETE` lifts it: the recording's item after it. Placing a hold on a held recording
    /// replaces its reason; lifting one that is not held changes nothing.
    func hold(_ endpoint: RecorderEndpoint, request: Request, context: some RequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        AuditScope.note(recording: id)
        var hold: RecordingHold?
        if case .recordingHold = endpoint {
            let body = try await bodyLimit.collect(request)
            var reason = ""
            if !body.allSatisfy({ $0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09 }) {
                let document = try RequestDocument(body: body)
                try document.refuseUnknown(["reason"])
                if document.has("Reason") {
                    guard let text = try document.string("Reason") else {
                        throw ControlError(.badRequest, "'Reason' must be a string")
                    }
                    guard text.count <= Self.maxHoldReason else {
                        throw ControlError(.badRequest, "'Reason' is longer than \(Self.maxHoldReason) characters")
                    }
                    reason = text
                }
            }
            hold = RecordingHold(reason: reason, placedNanos: Int64(Date().timeIntervalSince1970 * 1e9))
        }
        guard let entry = try await service.setHold(hold, on: id) else {
            throw APIErrorResponse.notFound("no recording '\(id)'")
        }
        AuditScope.note(agentId: entry.agentId)
        return JSONResponse.make(RecordingSummary(entry))
    }

    func indexEntry(_ context: some RequestContext) async throws -> RecordingIndexEntry {
        let id = context.parameters.get("id") ?? ""
        AuditScope.note(recording: id)
        guard let entry = try await service.recording(id: id) else {
            throw APIErrorResponse.notFound("no recording '\(id)'")
        }
        AuditScope.note(agentId: entry.agentId)
        return entry
    }
}

extension RecordingIndexEntry {
    /// Closed, with its sidecar written: the index gives it an end time when it ends.
    var isFinished: Bool { endNanos != nil }
}
