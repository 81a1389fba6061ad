import Foundation
import Media

extension ClusterMessage {
    enum CodingKeys: String, CodingKey {
        case version = "Version", type = "Type", origin = "Origin", sequence = "Sequence"
        case sentNanos = "SentNanos", sentTime = "SentTime"
        case blackout = "Blackout", requestedBy = "RequestedBy", blackouts = "Blackouts", agents = "Agents"
    }

    /// Only the version, read first so that a future message fails as such and not as malformed.
    private struct VersionProbe: Decodable {
        var version: Int?
        enum CodingKeys: String, CodingKey { case version = "Version" }
    }

    /// The message as JSON (keys sorted, so equal messages are equal bytes).
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding plain values into JSON cannot fail.
        return (try? Array(encoder.encode(Wire(self)))) ?? []
    }

    /// Reads a message; a wrong version, type or shape is a `ClusterMessageError`.
    public static func decode(_ bytes: [UInt8]) throws(ClusterMessageError) -> ClusterMessage {
        let data = Data(bytes)
        let decoder = JSONDecoder()
        let probe: VersionProbe
        do { probe = try decoder.decode(VersionProbe.self, from: data) } catch {
            throw .malformed("not a JSON object (\(bytes.count) bytes)")
        }
        guard let version = probe.version else { throw .malformed("no Version") }
        guard version == currentVersion else { throw .unsupportedVersion(version) }
        do {
            return try decoder.decode(Wire.self, from: data).message
        } catch let error as ClusterMessageError {
            throw error
        } catch let DecodingError.keyNotFound(key, _) {
            throw .malformed("no \(key.stringValue)")
        } catch let DecodingError.typeMismatch(_, context), let DecodingError.valueNotFound(_, context) {
            throw .malformed("wrong type at \(context.codingPath.map(\.stringValue).joined(separator: "."))")
        } catch let DecodingError.dataCorrupted(context) {
            throw .malformed("\(context.codingPath.map(\.stringValue).joined(separator: ".")): \(context.debugDescription)")
        } catch {
            throw .malformed("\(error)")
        }
    }

    /// The JSON shape; a wrapper keeps `Codable` off the public type, whose only way in is `decode`.
    private struct Wire: Codable {
        var message: ClusterMessage

        init(_ message: ClusterMessage) { self.message = message }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            let origin = try c.decode(String.self, forKey: .origin)
            let sequence = try c.decode(UInt64.self, forKey: .sequence)
            let sent = try c.decode(Int64.self, forKey: .sentNanos)
            let type = try c.decode(String.self, forKey: .type)
            let body: Body
            switch type {
            case "BlackoutStart":
                let blackout = try c.decode(ClusterBlackout.self, forKey: .blackout)
                guard blackout.action == .start else { throw ClusterMessageError.malformed("BlackoutStart with a stopped blackout") }
                body = .blackoutStart(blackout)
            case "BlackoutStop":
                let blackout = try c.decode(ClusterBlackout.self, forKey: .blackout)
                guard blackout.action == .stop else { throw ClusterMessageError.malformed("BlackoutStop with a started blackout") }
                body = .blackoutStop(blackout)
            case "StateRequest":
                body = .stateRequest
            case "State":
                // Servers from before the agents API send no agents.
                body = .state(requestedBy: try c.decode(String.self, forKey: .requestedBy),
                              blackouts: try c.decode([ClusterBlackout].self, forKey: .blackouts),
                              agents: try c.decodeIfPresent([DirectoryEntry].self, forKey: .agents) ?? [])
            case "Agents":
                body = .agents(try c.decode([DirectoryEntry].self, forKey: .agents))
            default:
                throw ClusterMessageError.unknownType(type)
            }
            message = ClusterMessage(origin: origin, sequence: sequence, sentNanos: sent, body: body)
        }

        func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(message.version, forKey: .version)
            try c.encode(message.type, forKey: .type)
            try c.encode(message.origin, forKey: .origin)
            try c.encode(message.sequence, forKey: .sequence)
            try c.encode(message.sentNanos, forKey: .sentNanos)
            try c.encode(CaptureTime.iso8601(message.sentNanos), forKey: .sentTime)
            switch message.body {
            case .blackoutStart(let blackout), .blackoutStop(let blackout):
                try c.encode(blackout, forKey: .blackout)
            case .stateRequest:
                break
            case .state(let requestedBy, let blackouts, let agents):
                try c.encode(requestedBy, forKey: .requestedBy)
                try c.encode(blackouts, forKey: .blackouts)
                try c.encode(agents, forKey: .agents)
            case .agents(let agents):
                try c.encode(agents, forKey: .agents)
            }
        }
    }
}
