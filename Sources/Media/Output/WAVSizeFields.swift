/// The size fields of a WAV file calltap writes, which stays plain RIFF/WAVE while its sizes fit
/// 32 bits and becomes RF64 (EBU Tech 3306) once they do not. The file starts with a `JUNK`
/// chunk of exactly the size of a `ds64` chunk without table, right after `WAVE`: players skip
/// it, and when the file grows past 4 GiB it is renamed `ds64` and holds the 64-bit sizes, with
/// the 32-bit fields set to 0xFFFFFFFF. No audio moves. (libsndfile's `SF_FORMAT_RF64` with
/// `SFC_RF64_AUTO_DOWNGRADE` makes the same choice.) The writer and crash recovery both take
/// the bytes from here.
enum WAVSizeFields {
    /// `RIFF`/`RF64`, size, `WAVE`.
    static let riffHeadSize: UInt64 = 12
    /// The `ds64` body: RIFF size, data size, sample count (64 bits each), table length (32).
    static let reserveBodySize: UInt32 = 28
    /// Where the reserved chunk ends: what is rewritten at offset 0 when sizes change.
    static let headSize = Int(riffHeadSize) + 8 + Int(reserveBodySize)

    /// Whether a file of `fileSize` bytes needs RF64: its RIFF size (`fileSize - 8`) would not fit.
    static func needsRF64(fileSize: UInt64) -> Bool {
        fileSize > UInt64(UInt32.max) + 8
    }

    /// The first `headSize` bytes (RIFF or RF64 head and the reserved chunk, `JUNK` or `ds64`)
    /// and the value of the `data` chunk's 32-bit size field, for a file of `fileSize` bytes whose
    /// `data` chunk holds `dataBytes` bytes of `frames` frames.
    static func head(fileSize: UInt64, dataBytes: UInt64, frames: UInt64) -> (bytes: [UInt8], dataSizeField: UInt32) {
        var h: [UInt8] = []
        h.reserveCapacity(headSize)
        func u32(_ v: UInt32) { for i in 0..<4 { h.append(UInt8((v >> (8 * UInt32(i))) & 0xFF)) } }
        func u64(_ v: UInt64) { for i in 0..<8 { h.append(UInt8((v >> (8 * UInt64(i))) & 0xFF)) } }
        let riffSize = fileSize < 8 ? 0 : fileSize - 8
        if needsRF64(fileSize: fileSize) {
            h += Array("RF64".utf8)
            u32(UInt32.max)
            h += Array("WAVEds64".utf8)
            u32(reserveBodySize)
            u64(riffSize)
            u64(dataBytes)
            u64(frames)
            u32(0)
            return (h, UInt32.max)
        }
        h += Array("RIFF".utf8)
        u32(UInt32(riffSize))
        h += Array("WAVEJUNK".utf8)
        u32(reserveBodySize)
        h += [UInt8](repeating: 0, count: Int(reserveBodySize))
        return (h, UInt32(dataBytes))
    }
}
