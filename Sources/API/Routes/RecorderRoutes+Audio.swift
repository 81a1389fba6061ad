import Control
import Foundation
import Hummingbird

extension RecorderRoutes {
    /// `GET /api/Recordings/{id}/Audio[?channel=N]`: the finished file, whole (200) or the one byte
    /// range asked for (206; 416 outside the file). In the `separate` layout each channel is its
    /// own file and `channel` picks it.
    func audio(_ request: Request, context: some RequestContext) async throws -> Response {
        let entry = try await indexEntry(context)
        guard entry.isFinished else {
            // An open file's header does not yet say how long it is; a player would misread it.
            throw ControlError(.conflict, "recording \(entry.recordingIdentifier) is still being written; its audio is served once it ends")
        }
        let path = try audioPath(of: entry, channel: QueryParameters(request).integer(
            "channel", in: 0...max(0, entry.audioPaths.count - 1)))

        // FileIO learns the size on the thread pool; its body reads nothing until it is sent.
        let whole: ResponseBody
        do {
            whole = try await fileIO.loadFile(path: path, context: context)
        } catch {
            context.logger.error("audio file missing", metadata: ["recording": "\(entry.recordingIdentifier)", "path": "\(path)"])
            throw APIErrorResponse.notFound("the audio file of recording \(entry.recordingIdentifier) is missing")
        }
        let size = whole.contentLength ?? 0
        var headers: HTTPFields = [
            .contentType: Self.mediaType(ofFile: path),
            .acceptRanges: "bytes",
            .contentDisposition: "attachment; filename=\"\(Self.fileName(path))\"",
        ]
        switch ByteRange(header: request.headers[.range], size: size) {
        case .whole:
            return Response(status: .ok, headers: headers, body: whole)
        case .partial(let range):
            let body = try await fileIO.loadFile(path: path, range: range, context: context)
            headers[.contentRange] = "bytes \(range.lowerBound)-\(range.upperBound)/\(size)"
            return Response(status: .partialContent, headers: headers, body: body)
        case .unsatisfiable:
            throw APIErrorResponse.rangeNotSatisfiable(size: size)
        }
    }

    private func audioPath(of entry: RecordingIndexEntry, channel: Int?) throws -> String {
        if entry.audioPaths.count > 1 {
            guard let channel else {
                throw ControlError(.missingParameter,
                                   "recording \(entry.recordingIdentifier) has one file per channel: add ?channel=0 to \(entry.audioPaths.count - 1)")
            }
            return entry.audioPaths[channel]
        }
        guard let path = entry.audioPaths.first else {
            throw APIErrorResponse.notFound("recording \(entry.recordingIdentifier) has no audio file")
        }
        return path
    }

    static func mediaType(ofFile path: String) -> String {
        switch path.split(separator: ".").last?.lowercased() {
        case "wav": "audio/wav"
        case "flac": "audio/flac"
        case "ogg", "opus": "audio/ogg"
        default: "application/octet-stream"
        }
    }

    static func fileName(_ path: String) -> String {
        String(path.split(separator: "/").last ?? "audio").replacingOccurrences(of: "\"", with: "")
    }
}
