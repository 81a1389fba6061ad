/// A legal hold on a recording (`POST /api/Recordings/{id}/Hold`): while it lasts the sweeper
/// never touches the recording, whatever its retention says.
public struct RecordingHold: Sendable, Equatable, Codable {
    /// Why, as the client said (may be empty).
    public var reason: String
    /// When it was placed (wall clock, nanoseconds since 1970).
    public var placedNanos: Int64

    public init(reason: String, placedNanos: Int64) {
        self.reason = reason
        self.placedNanos = placedNanos
    }
}
