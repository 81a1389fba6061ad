/// A UDP datagram found in a frame: its endpoints and a view of its payload.
///
/// Not `Sendable`: `payload` points into the frame (or the decoder's reassembly storage) and is
/// only valid while that memory is, so copy what must outlive the call to `decode`.
public struct UDPDatagram {
    public var source: Endpoint
    public var destination: Endpoint
    public var payload: UnsafeRawBufferPointer

    public init(source: Endpoint, destination: Endpoint, payload: UnsafeRawBufferPointer) {
        self.source = source
        self.destination = destination
        self.payload = payload
    }
}
