import Control
import Hummingbird

extension RecorderRoutes {
    /// `/api/F2F/*` (docs/API.md, "Face-to-Face API"). Commands go through the parser a
    /// control script uses, with the path's `{id}` in place.
    func faceToFace(_ endpoint: RecorderEndpoint, request: Request, context: some RequestContext) async throws -> Response {
        switch endpoint {
        case .faceToFaceService:
            // Commands are taken while capture runs: they are applied on its thread.
            let readiness = await service.readiness()
            guard readiness.capture else { throw ControlError(.unavailable, "capture is not running: \(readiness.detail)") }
            return JSONResponse.make(MessageBody(message: "OK"))
        case .faceToFaceApplication:
            return JSONResponse.make(await service.faceToFaceApplication())
        case .faceToFaceCurrent:
            let query = QueryParameters(request)
            let reference = try AgentReference(identifier: query["agentIdentifier"], value: query["value"])
            guard let view = try await service.currentFaceToFace(reference) else {
                throw APIErrorResponse.notFound("agent \(reference) has no current face-to-face recording")
            }
            return JSONResponse.make(view)
        case .faceToFaceRecording:
            let id = context.parameters.get("id") ?? ""
            guard let view = await service.faceToFaceRecording(id: id) else {
                throw APIErrorResponse.notFound("no face-to-face recording '\(id)'")
            }
            return JSONResponse.make(view)
        case .faceToFaceStart:
            let body = try await bodyLimit.collect(request)
            guard let command = try CommandRequest.parseFaceToFace(path: "F2F/Recordings", body: body) else {
                throw ControlError(.internalFault, "F2F/Recordings is not a face-to-face command")
            }
            let view = try await service.faceToFace(command)
            AuditScope.note(agentId: view.agentId)
            var response = JSONResponse.make(view, status: .created)
            response.headers[.location] = "/api/F2F/Recordings/\(view.id)"
            return response
        case .faceToFaceSteer(let action):
            return try await faceToFaceCommand(action.rawValue, request: request, context: context)
        case .faceToFaceTags:
            return try await faceToFaceCommand("Tags", request: request, context: context)
        default:
            throw ControlError(.internalFault, "\(endpoint.path) is not a face-to-face endpoint")
        }
    }

    private func faceToFaceCommand(_ action: String, request: Request, context: some RequestContext) async throws -> Response {
        let id = context.parameters.get("id") ?? ""
        let body = try await bodyLimit.collect(request)
        let command: FaceToFaceCommand
        do throws(ControlError) {
            guard let parsed = try CommandRequest.parseFaceToFace(path: "F2F/Recordings/\(id)/\(action)", body: body) else {
                throw ControlError(.internalFault, "F2F/Recordings/\(id)/\(action) is not a face-to-face command")
            }
            command = parsed
        } catch {
            // The body is checked before the recording is looked up: say which one it was for.
            throw ControlError(error.code, "\(action) of face-to-face recording '\(id)': \(error.message)")
        }
        let view = try await service.faceToFace(command)
        AuditScope.note(agentId: view.agentId)
        return JSONResponse.make(view)
    }
}
