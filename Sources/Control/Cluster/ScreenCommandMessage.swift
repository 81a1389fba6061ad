import Foundation

/// A screen-recording command for the agent's desktop, published on the `calltap.screen` topic
/// exchange under the agent's station (else its device id): docs/API.md "Screen recording".
public struct ScreenCommandMessage: Codable, Sendable, Equatable {
    /// What the desktop should do.
    public enum CommandType: String, Codable, Sendable {
        case start = "Start", update = "Update", stop = "Stop", mask = "Mask", unmask = "Unmask"
        /// A face-to-face recording's screen paused or resumed on its own.
        case pause = "Pause", resume = "Resume"
    }

    public var type: CommandType
    public var agentId: Int
    public var station: String
    public var screenRecordingIdentifier: String?
    public var relatedCallInstance: String?
    public var callMetadata: [String: String]
    /// ISO 8601 with offset.
    public var time: String
    /// The server that sent it.
    public var origin: String
    /// The routing key: the station, else the device id. Not part of the JSON.
    public var routingKey: String

    public init(type: CommandType, agentId: Int, station: String, deviceId: String,
                screenRecordingIdentifier: String? = nil, relatedCallInstance: String? = nil,
                callMetadata: [String: String] = [:], time: String, origin: String) {
        self.type = type
        self.agentId = agentId
        self.station = station
        self.screenRecordingIdentifier = screenRecordingIdentifier
        self.relatedCallInstance = relatedCallInstance
        self.callMetadata = callMetadata
        self.time = time
        self.origin = origin
        routingKey = Self.routingKey(station: station, deviceId: deviceId)
    }

    /// The agent's station, else its device id. AMQP routing keys are at most 255 bytes.
    public static func routingKey(station: String, deviceId: String) -> String {
        let key = station.isEmpty ? deviceId : station
        return String(decoding: key.utf8.prefix(255), as: UTF8.self)
    }

    enum CodingKeys: String, CodingKey {
        case type = "Type", agentId = "AgentId", station = "Station"
        case screenRecordingIdentifier = "ScreenRecordingIdentifier"
        case relatedCallInstance = "RelatedCallInstance", callMetadata = "CallMetadata"
        case time = "Time", origin = "Origin"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        type = try c.decode(CommandType.self, forKey: .type)
        agentId = try c.decode(Int.self, forKey: .agentId)
        station = try c.decode(String.self, forKey: .station)
        screenRecordingIdentifier = try c.decodeIfPresent(String.self, forKey: .screenRecordingIdentifier)
        relatedCallInstance = try c.decodeIfPresent(String.self, forKey: .relatedCallInstance)
        callMetadata = try c.decodeIfPresent([String: String].self, forKey: .callMetadata) ?? [:]
        time = try c.decode(String.self, forKey: .time)
        origin = try c.decode(String.self, forKey: .origin)
        routingKey = station
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(type, forKey: .type)
        try c.encode(agentId, forKey: .agentId)
        try c.encode(station, forKey: .station)
        // Present as null: desktop clients look for the key.
        try c.encode(screenRecordingIdentifier, forKey: .screenRecordingIdentifier)
        try c.encode(relatedCallInstance, forKey: .relatedCallInstance)
        try c.encode(callMetadata, forKey: .callMetadata)
        try c.encode(time, forKey: .time)
        try c.encode(origin, forKey: .origin)
    }

    /// The message as JSON, keys sorted.
    public func encoded() -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return (try? Array(encoder.encode(self))) ?? []
    }
}
