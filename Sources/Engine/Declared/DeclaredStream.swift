import Media
import Wire

/// One RTP stream of a declared session: the role of the channel it fills, the address it is
/// sent to, and the one codec its sender uses (whatever payload type carries it).
public struct DeclaredStream: Sendable, Equatable {
    /// The channel's role in the sidecar (`microphone`, `speaker`).
    public var role: String
    public var destination: Endpoint
    public var codec: Codec

    public init(role: String, destination: Endpoint, codec: Codec) {
        self.role = role
        self.destination = destination
        self.codec = codec
    }

    /// What the stream's payload types mean: the codec under its static type (if it has one),
    /// comfort noise under 13, and the codec under every other type (Opus's is dynamic).
    var payloadMap: PayloadMap {
        var map = PayloadMap(fallback: codec)
        for pt: UInt8 in [0, 8, 9] where Codec(staticPayloadType: pt) == codec { map[pt] = codec }
        map[13] = .comfortNoise
        return map
    }
}
