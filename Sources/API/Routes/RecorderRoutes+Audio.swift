import Control
import Foundation
import Hummingbird
import Media
import NIOCore

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
        if let encryption = service.audioEncryption, EncryptedAudioFile.isEncrypted(path: path) {
            return try await decrypted(path, of: entry, with: encryption, request: request, context: context)
        }

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

    /// The plain audio of an encrypted file, whole or the range asked for, decrypted chunk by
    /// chunk on the thread pool as it is sent. What cannot be decrypted before the answer starts
    /// (an unknown key, a changed header or first chunk) is a 500 with its reason; a chunk that
    /// fails later ends the connection before the promised length, so that a client never takes
    /// what it got for the audio.
    private func decrypted(_ path: String, of entry: RecordingIndexEntry, with encryption: RecordingEncryptor,
                           request: Request, context: some RequestContext) async throws -> Response {
        let logger = context.logger
        let failed: @Sendable (any Error) -> ControlError = { [metrics] error in
            metrics.recordDecryptionFailure()
            logger.error("recording audio cannot be decrypted", metadata: [
                "recording": "\(entry.recordingIdentifier)", "path": "\(path)", "error": "\(error)"])
            return ControlError(.internalFault, "the audio of recording \(entry.recordingIdentifier) cannot be decrypted: \(error)")
        }
        let reader: EncryptedAudioReader
        do {
            reader = try await Self.offEventLoop {
                let reader = try encryption.reader(path)
                _ = try reader.read(0..<min(reader.length, 1))
                return reader
            }
        } catch {
            throw failed(error)
        }
        let size = Int(reader.length)
        var headers: HTTPFields = [
            .contentType: Self.mediaType(ofFile: path),
            .acceptRanges: "bytes",
            .contentDisposition: "attachment; filename=\"\(Self.fileName(path))\"",
        ]
        let status: HTTPResponse.Status
        let range: Range<Int64>
        switch ByteRange(header: request.headers[.range], size: size) {
        case .whole:
            (status, range) = (.ok, 0..<Int64(size))
        case .partial(let bytes):
            headers[.contentRange] = "bytes \(bytes.lowerBound)-\(bytes.upperBound)/\(size)"
            (status, range) = (.partialContent, Int64(bytes.lowerBound)..<Int64(bytes.upperBound) + 1)
        case .unsatisfiable:
            throw APIErrorResponse.rangeNotSatisfiable(size: size)
        }
        let step = Int64(reader.file.chunkBytes)
        let body = ResponseBody(contentLength: range.count) { writer in
            var position = range.lowerBound
            while position < range.upperBound {
                let end = min(range.upperBound, (position / step + 1) * step)
                let piece: Data
                do {
                    piece = try await Self.offEventLoop { [position] in try reader.read(position..<end) }
                } catch {
                    throw failed(error)
                }
                try await writer.write(ByteBuffer(bytes: piece))
                position = end
            }
            try await writer.finish(nil)
        }
        return Response(status: status, headers: headers, body: body)
    }

    /// Runs blocking file work on a dispatch thread: never on an event loop or the cooperative pool.
    private static func offEventLoop<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
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
