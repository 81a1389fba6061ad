// Reads in network byte order over a buffer whose length the caller has already checked.
// Every decoder function checks `count` once per header and then uses these unchecked-in-release
// reads, the way NIO's ByteBuffer does: the checks live in the callers, next to the header layout.

extension UnsafeRawBufferPointer {
    @inline(__always)
    func readUInt16(at offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inline(__always)
    func readUInt32(at offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inline(__always)
    func readUInt64(at offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// The 4 bytes at `offset` as an IPv4 address.
    @inline(__always)
    func readIPv4Address(at offset: Int) -> IPAddress {
        IPAddress(ipv4: readUInt32(at: offset))
    }

    /// The 16 bytes at `offset` as an IPv6 address.
    @inline(__always)
    func readIPv6Address(at offset: Int) -> IPAddress {
        IPAddress(high: readUInt64(at: offset), low: readUInt64(at: offset + 8))
    }

    /// The bytes from `start` to the end; `start` must be within `0...count`.
    @inline(__always)
    func dropping(_ start: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[start...])
    }

    /// The bytes in `start..<end`, both within `0...count`.
    @inline(__always)
    func slice(_ start: Int, _ end: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: self[start..<end])
    }
}
