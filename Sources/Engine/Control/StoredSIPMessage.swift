import Foundation
import Wire

/// A SIP message kept to rebuild a call after a restart: its bytes, when and between which
/// addresses it was captured. Feeding the kept messages of a call to a new engine gives back the
/// call, its parties and its media addresses.
public struct StoredSIPMessage: Sendable, Codable, Equatable {
    public var bytes: Data
    public var nanos: Int64
    public var source: StoredEndpoint
    public var destination: StoredEndpoint

    public init(bytes: Data, nanos: Int64, source: Endpoint, destination: Endpoint) {
        self.bytes = bytes
        self.nanos = nanos
        self.source = StoredEndpoint(source)
        self.destination = StoredEndpoint(destination)
    }
}

/// An address and port in a form that survives JSON.
public struct StoredEndpoint: Sendable, Codable, Equatable {
    public var high: UInt64
    public var low: UInt64
    public var port: UInt16

    public init(_ endpoint: Endpoint) {
        high = endpoint.address.high
        low = endpoint.address.low
        port = endpoint.port
    }

    public var endpoint: Endpoint {
        Endpoint(address: IPAddress(high: high, low: low), port: port)
    }
}
