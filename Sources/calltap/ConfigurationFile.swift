import Engine
import Foundation
import Media
import SIP
import Yams

/// The YAML configuration file (see Config/calltap.yaml). Every key has a default, so an empty
/// file is valid; unknown sections are left for the parts of calltap that read them.
struct ConfigurationFile: Decodable {
    struct Capture: Decodable {
        var sipPorts: [UInt16]?
        var vxlanPorts: [UInt16]?
    }
    struct Storage: Decodable {
        var root: String?
        var format: String?
        var channels: String?
        var side: String?
        var commitDelaySeconds: Double?
    }
    struct DialPlanSection: Decodable {
        var stripPrefixes: [String]?
    }
    struct Calls: Decodable {
        var idleTimeoutSeconds: Double?
        var holdTimeoutSeconds: Double?
        var recordWithoutAgent: Bool?
    }
    struct Cluster: Decodable {
        var serverId: String?
    }
    struct MediaSection: Decodable {
        var workers: Int?
    }

    var capture: Capture?
    var storage: Storage?
    var timezone: String?
    var dialPlan: DialPlanSection?
    var calls: Calls?
    var cluster: Cluster?
    var media: MediaSection?

    /// Reads and checks a configuration file.
    static func load(path: String) throws(ConfigurationError) -> ConfigurationFile {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw .unreadable(path: path, reason: (error as NSError).localizedDescription)
        }
        if text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty { return ConfigurationFile() }
        do {
            return try YAMLDecoder().decode(ConfigurationFile.self, from: text)
        } catch let error as DecodingError {
            throw .invalid(path: path, reason: ConfigurationError.describe(error))
        } catch {
            throw .invalid(path: path, reason: "\(error)")
        }
    }

    init() {}

    /// The engine's settings, checked.
    func engineConfiguration() throws(ConfigurationError) -> EngineConfiguration {
        var c = EngineConfiguration()
        if let ports = capture?.sipPorts { c.sipPorts = Set(ports) }
        if let ports = capture?.vxlanPorts { c.vxlanPorts = Set(ports) }
        if let root = storage?.root { c.storageRoot = root }
        if let format = storage?.format {
            guard let f = AudioFileFormat(rawValue: format.lowercased()) else {
                throw .invalid(path: "storage.format", reason: "unknown format '\(format)' (supported: \(AudioFileFormat.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            c.format = f
        }
        if let layout = storage?.channels {
            guard let l = ChannelLayout(rawValue: layout.lowercased()) else {
                throw .invalid(path: "storage.channels", reason: "unknown layout '\(layout)' (supported: \(ChannelLayout.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            c.channels = l
        }
        if let side = storage?.side {
            switch side.lowercased() {
            case "both": c.side = .both
            case "caller", "callee": c.side = .only(side.lowercased())
            default: throw .invalid(path: "storage.side", reason: "unknown side '\(side)' (supported: both, caller, callee)")
            }
        }
        if let delay = storage?.commitDelaySeconds {
            guard delay >= 0, delay <= 60 else { throw .invalid(path: "storage.commitDelaySeconds", reason: "must be between 0 and 60") }
            c.commitDelaySeconds = delay
        }
        if let zone = timezone {
            guard TimeZone(identifier: zone) != nil else { throw .invalid(path: "timezone", reason: "unknown time zone '\(zone)'") }
            c.timeZone = zone
        }
        if let prefixes = dialPlan?.stripPrefixes { c.dialPlan = DialPlan(stripPrefixes: prefixes) }
        if let idle = calls?.idleTimeoutSeconds {
            guard idle > 0, idle <= 86_400 else { throw .invalid(path: "calls.idleTimeoutSeconds", reason: "must be between 0 and 86400 (a day)") }
            c.idleTimeoutSeconds = idle
        }
        if let hold = calls?.holdTimeoutSeconds {
            guard hold > 0, hold <= 2_592_000 else { throw .invalid(path: "calls.holdTimeoutSeconds", reason: "must be between 0 and 2592000 (30 days)") }
            c.holdTimeoutSeconds = hold
        }
        if let record = calls?.recordWithoutAgent { c.recordWithoutAgent = record }
        if let id = cluster?.serverId, !id.isEmpty { c.serverId = id }
        if let workers = media?.workers {
            guard (1...64).contains(workers) else { throw .invalid(path: "media.workers", reason: "must be between 1 and 64") }
            c.mediaWorkers = workers
        }
        return c
    }
}

/// A configuration file that cannot be used, with the place and the reason.
enum ConfigurationError: Error, CustomStringConvertible {
    case unreadable(path: String, reason: String)
    case invalid(path: String, reason: String)

    var description: String {
        switch self {
        case .unreadable(let path, let reason): "cannot read configuration \(path): \(reason)"
        case .invalid(let path, let reason): "invalid configuration (\(path)): \(reason)"
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let p = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return p.isEmpty ? "" : "at \(p): "
        }
        switch error {
        case .typeMismatch(_, let c), .valueNotFound(_, let c), .keyNotFound(_, let c):
            return path(c) + c.debugDescription
        case .dataCorrupted(let c):
            let underlying = c.underlyingError.map { " (\($0))" } ?? ""
            return path(c) + c.debugDescription + underlying
        @unknown default:
            return "\(error)"
        }
    }
}
