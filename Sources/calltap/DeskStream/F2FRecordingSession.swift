import Foundation

/// An F2F recording the desk started on the server: created by `start`, ended by `stop` with
/// `Controller: Desktop`, at the address the server's `Location` header gave.
struct F2FRecordingSession {
    let client: DeskAPIClient
    /// The `Location` header as the server sent it, e.g. `/api/F2F/Recordings/{id}`.
    let location: String

    static func start(_ request: F2FStartRequest, client: DeskAPIClient) throws(DeskStreamError) -> F2FRecordingSession {
        let body: [UInt8]
        do {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            body = Array(try encoder.encode(request))
        } catch {
            throw .badInput("cannot encode the start request: \(error)")
        }
        let path = "/api/F2F/Recordings"
        let response = try send(body, to: path, client: client, doing: "start the recording")
        guard let location = response.header("Location"), !location.isEmpty else {
            throw .server("\(client.url(path)) answered \(response.status) without a Location header")
        }
        return F2FRecordingSession(client: client, location: location)
    }

    func stop() throws(DeskStreamError) {
        let body = Array(#"{"Controller":"Desktop"}"#.utf8)
        _ = try Self.send(body, to: Self.path(of: location) + "/Stop", client: client, doing: "stop the recording")
    }

    /// The path of a `Location`: as given when it is a path, the part after the authority when
    /// the server sent an absolute URL.
    private static func path(of location: String) -> String {
        var text = Substring(location)
        for scheme in ["http://", "https://"] where text.lowercased().hasPrefix(scheme) {
            text = text.dropFirst(scheme.count)
            text = text.drop { $0 != "/" }
        }
        var path = String(text)
        while path.hasSuffix("/") { path.removeLast() }
        return path.hasPrefix("/") ? path : "/" + path
    }

    private static func send(_ body: [UInt8], to path: String, client: DeskAPIClient, doing what: String) throws(DeskStreamError) -> DeskAPIClient.Response {
        let response: DeskAPIClient.Response
        do {
            response = try client.post(path, json: body)
        } catch {
            throw .server("cannot \(what): \(error)")
        }
        guard (200...299).contains(response.status) else {
            let text = response.bodyText.trimmingCharacters(in: .whitespacesAndNewlines)
            throw .server("cannot \(what): POST \(client.url(path)) answered \(response.status)" + (text.isEmpty ? "" : ": \(text)"))
        }
        return response
    }
}
