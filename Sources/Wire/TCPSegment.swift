/// A TCP segment found in a frame: endpoints, sequence numbers, flags and a view of its payload.
///
/// Not `Sendable` for the same reason as `UDPDatagram`: `payload` is a view, not a copy.
/// Wire does not reassemble TCP streams; a layer above does.
public struct TCPSegment {
    public var source: Endpoint
    public var destination: Endpoint
    public var sequenceNumber: UInt32
    public var acknowledgementNumber: UInt32
    /// The flags byte (byte 13 of the header): FIN=0x01 SYN=0x02 RST=0x04 PSH=0x08 ACK=0x10
    /// URG=0x20 ECE=0x40 CWR=0x80.
    public var flags: UInt8
    public var payload: UnsafeRawBufferPointer

    public static let fin: UInt8 = 0x01
    public static let syn: UInt8 = 0x02
    public static let rst: UInt8 = 0x04
    public static let psh: UInt8 = 0x08
    public static let ack: UInt8 = 0x10

    public init(
        source: Endpoint, destination: Endpoint, sequenceNumber: UInt32, acknowledgementNumber: UInt32,
        flags: UInt8, payload: UnsafeRawBufferPointer
    ) {
        self.source = source
        self.destination = destination
        self.sequenceNumber = sequenceNumber
        self.acknowledgementNumber = acknowledgementNumber
        self.flags = flags
        self.payload = payload
    }
}
