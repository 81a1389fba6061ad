import Control
import Foundation
import Hummingbird
import NIOCore

/// The handlers behind `RecorderEndpoint`: each checks the caller's key, then answers from the
/// `RecorderService`. They never touch the engine; commands go to the control plane's one owner
/// of agent state and reads come from its snapshots.
struct RecorderRoutes: Sendable {
    let service: any RecorderService
    let authorization: APIKeyAuthorization
    let bodyLimit: RequestBodyLimit
    let metrics: RecorderMetrics
    /// Reads files on NIO's thread pool, never on an event loop or the cooperative pool.
    let fileIO: FileIO

    func respond(to endpoint: RecorderEndpoint, request: Request, context: RecorderRequestContext) async throws -> Response {
        guard endpoint.isAudited else {
            try authorization.authorize(request, for: endpoint.access)
            return try await dispatch(endpoint, request: request, context: context)
        }
        // Audited: answered here, also when refused, so that the entry has the status sent.
        let scope = AuditScope(requester: BlackoutRequester(
            actor: authorization.caller(request), client: context.remoteAddress.map(Self.shown),
            action: "\(request.method.rawValue) \(request.uri.path)", timeNanos: Int64(Date().timeIntervalSince1970 * 1e9)))
        let response: Response
        var outcome = "ok"
        do {
            try authorization.authorize(request, for: endpoint.access)
            response = try await AuditScope.$current.withValue(scope) {
                try await dispatch(endpoint, request: request, context: context)
            }
        } catch {
            let body = ErrorResponseMiddleware<RecorderRequestContext>.body(for: error, request: request, logger: context.logger)
            outcome = body.code
            response = body.response()
        }
        let requester = scope.requester
        service.audit(AuditEntry(
            timeNanos: requester.timeNanos, actor: requester.actor, client: requester.client, action: requester.action,
            agentId: scope.agentId, recordingIdentifier: scope.recordingIdentifier,
            status: Int(response.status.code), outcome: outcome))
        return response
    }

    /// `ip:port` of a client.
    private static func shown(_ address: SocketAddress) -> String {
        guard let ip = address.ipAddress else { return "\(address)" }
        return ip.contains(":") ? "[\(ip)]:\(address.port ?? 0)" : "\(ip):\(address.port ?? 0)"
    }

    private func dispatch(_ endpoint: RecorderEndpoint, request: Request, context: some RequestContext) async throws -> Response {
        switch endpoint {
        case .agent:
            let query = QueryParameters(request)
            let reference = try AgentReference(identifier: query["agentIdentifier"], value: query["value"])
            return JSONResponse.make(json: try await service.agentAnswer(reference))
        case .allAgents:
            return JSONResponse.make(json: await service.allAgentsAnswer())
        case .agentList, .agentCreate, .agentDefinition, .agentReplace, .agentRemove, .agentLogin, .agentLogout:
            return try await agents(endpoint, request: request, context: context)
        case .record, .screenRecord, .blackout:
            return try await command(endpoint, request: request)
        case .faceToFaceService, .faceToFaceApplication, .faceToFaceStart, .faceToFaceCurrent, .faceToFaceRecording,
             .faceToFaceSteer, .faceToFaceTags:
            return try await faceToFace(endpoint, request: request, context: context)
        case .recordings:
            return try await recordings(request)
        case .recording:
            return try await recording(request, context: context)
        case .recordingAudio:
            return try await audio(request, context: context)
        case .recordingHold, .recordingRelease:
            return try await hold(endpoint, request: request, context: context)
        case .auditTrail:
            return try await auditTrail(request)
        case .health:
            return JSONResponse.make(HealthBody())
        case .readiness:
            let readiness = await service.readiness()
            return JSONResponse.make(ReadinessBody(readiness), status: readiness.ready ? .ok : .serviceUnavailable)
        case .metrics:
            let text = await metrics.exposition(of: service.metrics())
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: text)))
        case .openAPI:
            return Response(status: .ok, headers: [.contentType: "application/yaml; charset=utf-8"],
                            body: ResponseBody(byteBuffer: ByteBuffer(string: OpenAPIDocument.yaml)))
        }
    }

    /// `POST /api/Record/*`, `/api/ScreenRecord/*`: the same parser a control script goes through.
    private func command(_ endpoint: RecorderEndpoint, request: Request) async throws -> Response {
        guard let commandPath = endpoint.commandPath else {
            throw ControlError(.internalFault, "\(endpoint.path) is not a command")
        }
        let body = try await bodyLimit.collect(request)
        var command = try CommandRequest.parse(path: commandPath, body: body)
        if case .blackout(var blackout) = command, let scope = AuditScope.current {
            // The other servers of the cluster audit the decision as asked here.
            blackout.requester = scope.requester
            command = .blackout(blackout)
        }
        let state = try await service.perform(command)
        AuditScope.note(agentId: state.agentId)
        return JSONResponse.make(state)
    }
}
