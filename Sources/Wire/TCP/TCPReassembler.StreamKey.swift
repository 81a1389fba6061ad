extension TCPReassembler {
    /// One direction of one TCP connection: the bytes `source` sends to `destination`.
    public struct StreamKey: Hashable, Sendable, CustomStringConvertible {
        public var source: Endpoint
        public var destination: Endpoint

        public init(source: Endpoint, destination: Endpoint) {
            self.source = source
            self.destination = destination
        }

        /// The other direction of the same connection.
        public var reversed: StreamKey { StreamKey(source: destination, destination: source) }

        /// `10.0.0.1:5060 → 10.0.0.2:49152`.
        public var description: String { "\(source) → \(destination)" }
    }
}
