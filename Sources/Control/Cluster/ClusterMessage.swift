import Foundation

/// A message between the servers of a cluster on the blackout fanout exchange: versioned JSON
/// (`"Version": 1`) stamped with the sending server and its sequence number.
public struct ClusterMessage: Sendable, Equatable {
    /// The version this build writes and the only one it reads.
    public static let currentVersion = 1

    /// What the message says.
    public enum Body: Sendable, Equatable {
        /// A blackout started on the sending server.
        case blackoutStart(ClusterBlackout)
        /// A blackout stopped on the sending server (by a command or by its limit).
        case blackoutStop(ClusterBlackout)
        /// "Tell me every agent's blackout": sent by a server that (re)connected.
        case stateRequest
        /// The sender's current blackout per agent, and its agent directory, answering the
        /// `StateRequest` of `requestedBy` (empty when unasked, on a reconnection).
        case state(requestedBy: String, blackouts: [ClusterBlackout], agents: [DirectoryEntry] = [])
        /// Agents created, replaced, removed, logged in or out on the sending server.
        case agents([DirectoryEntry])
    }

    public var version: Int
    /// The server that sent it.
    public var origin: String
    /// Per-origin sequence number; grows with every message the origin sends.
    public var sequence: UInt64
    /// When the origin sent it (nanoseconds since 1970).
    public var sentNanos: Int64
    public var body: Body

    public init(origin: String, sequence: UInt64, sentNanos: Int64, body: Body) {
        version = Self.currentVersion
        self.origin = origin
        self.sequence = sequence
        self.sentNanos = sentNanos
        self.body = body
    }

    /// The `Type` field of each body.
    public var type: String {
        switch body {
        case .blackoutStart: "BlackoutStart"
        case .blackoutStop: "BlackoutStop"
        case .stateRequest: "StateRequest"
        case .state: "State"
        case .agents: "Agents"
        }
    }
}
