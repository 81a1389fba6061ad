import Media

/// The layout of one ring record between the capture thread and a media worker. RTP packets travel
/// as bytes inside the record, behind a fixed header; the rare control messages carry one
/// retained object whose ownership passes to the worker. Fixed offsets, so neither side allocates
/// for a packet.
enum MediaMessage {
    enum Kind: UInt8 {
        case rtp = 1
        case open
        case addFlow
        case updatePayloadMaps
        case moveFlow
        case dtmf
        case end
        case gate
        case forget
        case tick
        /// Packets of a flow the ring could not take, that no later packet of the flow told.
        case ringDropped
        case stop
        /// A new SDP declared the flow's leg encrypted, or no longer.
        case flowEncryption
        /// An RTCP packet from the sender of the record's flow, as bytes like RTP.
        case rtcp
    }

    static let kindOffset = 0
    static let flowOffset = 2
    static let lengthOffset = 4
    static let callOffset = 8
    static let nanosOffset = 16
    /// A control message's object; in an RTP record, the packets of its flow that the ring could
    /// not take since the flow's last record (the recorder's own loss, counted per stream).
    static let objectOffset = 24
    static let droppedOffset = 24
    static let payloadOffset = 32
    /// The largest RTP payload carried (a larger one is counted as oversized).
    static let maxPayload = 2016

    /// Bytes of a record with `length` payload bytes.
    @inline(__always)
    static func recordBytes(length: Int) -> Int { payloadOffset + length }

    @inline(__always)
    static func writeHeader(_ record: UnsafeMutableRawPointer, kind: Kind, call: Int, flow: Int = 0, length: Int = 0, nanos: Int64) {
        record.storeBytes(of: kind.rawValue, toByteOffset: kindOffset, as: UInt8.self)
        record.storeBytes(of: UInt16(truncatingIfNeeded: flow), toByteOffset: flowOffset, as: UInt16.self)
        record.storeBytes(of: UInt16(truncatingIfNeeded: length), toByteOffset: lengthOffset, as: UInt16.self)
        record.storeBytes(of: Int64(call), toByteOffset: callOffset, as: Int64.self)
        record.storeBytes(of: nanos, toByteOffset: nanosOffset, as: Int64.self)
        record.storeBytes(of: nil, toByteOffset: objectOffset, as: UnsafeMutableRawPointer?.self)
    }

    /// Hands `object` to the record; the worker takes it back with `takeObject`.
    static func attach(_ object: AnyObject, to record: UnsafeMutableRawPointer) {
        record.storeBytes(of: Unmanaged.passRetained(object).toOpaque(), toByteOffset: objectOffset,
                        as: UnsafeMutableRawPointer?.self)
    }

    static func takeObject<T: AnyObject>(_ record: UnsafeRawPointer, as type: T.Type) -> T? {
        guard let raw = record.load(fromByteOffset: objectOffset, as: UnsafeMutableRawPointer?.self) else { return nil }
        return Unmanaged<AnyObject>.fromOpaque(raw).takeRetainedValue() as? T
    }
}

/// A DTMF digit signalled in SIP, for the recording of its call.
struct InfoDigitEvent {
    var digit: String
    var durationSeconds: Double
    /// The side that sent the digit (caller 0, callee 1).
    var side: Int
}

/// A decision of the control plane for a call's recordings, applied at the message's capture time.
enum GateCommand {
    case pause
    case resume
    /// Keys merged into the sidecar's metadata.
    case metadata([String: String])
    /// The agent's blackout, started by a server (its id).
    case blackoutStart(origin: String)
    /// The blackout ends, and how (`stopped`, `maxAgentBlackout`).
    case blackoutEnd(reason: String)
}

/// A gate command and the recording it is for (nil: every recording of the call).
struct GateMessage {
    var command: GateCommand
    var recordingIdentifier: String?
}

/// A value travelling by reference through a ring record.
final class MessageBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
