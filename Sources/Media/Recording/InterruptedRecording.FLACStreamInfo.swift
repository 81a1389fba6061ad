extension InterruptedRecording {
    /// The total-samples field of a FLAC file's STREAMINFO block. libsndfile writes 0 (unknown)
    /// when it opens the file and the real count when it closes it; a killed writer leaves 0,
    /// and readers then report an unknown length (libsndfile: `SF_COUNT_MAX` frames).
    enum FLACStreamInfo {
        /// "fLaC", then the first metadata block's 4-byte header: STREAMINFO must be that block.
        /// Its bytes 10...17 hold rate (20 bits), channels (3), bits (5), total samples (36).
        private static let packedOffset: UInt64 = 8 + 10

        static func totalSamples(_ file: RawFile) -> Int64? {
            guard let head = file.read(at: 0, count: 26), head.count == 26, head[0..<4].elementsEqual("fLaC".utf8),
                  head[4] & 0x7F == 0 else { return nil }
            let packed = head[18..<26].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            return Int64(packed & 0xF_FFFF_FFFF)
        }

        /// Declares `frames` samples (per channel) when the header says it does not know.
        static func declare(_ frames: Int64, in file: RawFile) -> RecoveryProblem? {
            guard totalSamples(file) == 0, frames > 0, frames <= 0xF_FFFF_FFFF,
                  let packedBytes = file.read(at: packedOffset, count: 8), packedBytes.count == 8 else { return nil }
            var packed = packedBytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            packed = packed & ~UInt64(0xF_FFFF_FFFF) | UInt64(frames)
            let bytes = (0..<8).map { UInt8((packed >> (56 - 8 * UInt64($0))) & 0xFF) }
            guard file.write(bytes, at: packedOffset), file.synchronize() else {
                return RecoveryProblem("cannot have its length written: \(file.lastError)")
            }
            return nil
        }
    }
}
