import Control
import Hummingbird

extension RecorderRoutes {
    /// The parameters `GET /api/Audit` takes, lower-cased.
    static let auditParameters: Set<String> = ["from", "to", "agentid", "keyname", "recordingid", "limit", "cursor"]

    /// `GET /api/Audit?from=&to=&agentId=&keyName=&recordingId=&limit=&cursor=` (admin): the
    /// audit trail, newest first; any other parameter is refused.
    func auditTrail(_ request: Request) async throws -> Response {
        let parameters = QueryParameters(request)
        try parameters.refuseUnknown(Self.auditParameters)
        var query = AuditQuery(
            fromNanos: try parameters.time("from"), toNanos: try parameters.time("to"),
            agentId: try parameters.integer("agentId", in: 0...Int(Int32.max)),
            actor: parameters["keyName"].flatMap { $0.isEmpty ? nil : $0 },
            recordingIdentifier: parameters["recordingId"].flatMap { $0.isEmpty ? nil : $0 })
        if let limit = try parameters.integer("limit", in: Self.pageLimits) { query.limit = limit }
        if let cursor = parameters["cursor"], !cursor.isEmpty {
            guard let before = Int64(cursor), before > 0 else {
                throw ControlError(.badRequest, "the cursor '\(cursor.prefix(64))' is not one an audit page gave")
            }
            query.before = before
        }
        // Filters hold together: a time range that ends before it starts holds no entry.
        if let from = query.fromNanos, let to = query.toNanos, from > to {
            return JSONResponse.make(AuditPageBody(AuditPage(items: [], nextCursor: nil)))
        }
        return JSONResponse.make(AuditPageBody(try await service.auditTrail(query)))
    }
}
