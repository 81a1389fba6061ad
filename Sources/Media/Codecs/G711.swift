/// G.711 µ-law and A-law expansion (ITU-T G.711), by 256-entry tables built once.
public enum G711 {
    /// The tables live in memory allocated once for the process, so the media path reads them
    /// through a plain pointer, with no reference counting per packet.
    private struct Tables: @unchecked Sendable {
        let muLaw: UnsafeMutablePointer<Int16>
        let aLaw: UnsafeMutablePointer<Int16>
    }

    private static let tables: Tables = {
        let mu = UnsafeMutablePointer<Int16>.allocate(capacity: 256)
        let a = UnsafeMutablePointer<Int16>.allocate(capacity: 256)
        for i in 0..<256 {
            mu[i] = expandMuLaw(UInt8(i))
            a[i] = expandALaw(UInt8(i))
        }
        return Tables(muLaw: mu, aLaw: a)
    }()

    /// The µ-law table, for decoders that keep it at hand.
    public static var muLawTable: UnsafePointer<Int16> { UnsafePointer(tables.muLaw) }
    /// The A-law table.
    public static var aLawTable: UnsafePointer<Int16> { UnsafePointer(tables.aLaw) }

    public static func expandMuLaw(_ byte: UInt8) -> Int16 {
        let u = ~byte
        var t = (Int32(u & 0x0F) << 3) + 0x84
        t <<= Int32((u & 0x70) >> 4)
        return Int16(u & 0x80 != 0 ? 0x84 - t : t - 0x84)
    }

    public static func expandALaw(_ byte: UInt8) -> Int16 {
        let a = byte ^ 0x55
        var t = Int32(a & 0x0F) << 4
        let segment = Int32((a & 0x70) >> 4)
        switch segment {
        case 0: t += 8
        case 1: t += 0x108
        default:
            t += 0x108
            t <<= segment - 1
        }
        return Int16(a & 0x80 != 0 ? t : -t)
    }

    /// Expands `source` through `table` into `destination`, one sample every `stride` values.
    @inline(__always)
    public static func expand(_ source: UnsafeRawBufferPointer, table: UnsafePointer<Int16>,
                              into destination: UnsafeMutablePointer<Int16>, stride: Int) {
        var d = destination
        for byte in source {
            d.pointee = table[Int(byte)]
            d += stride
        }
    }
}
