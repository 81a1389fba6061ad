import Foundation

extension InterruptedRecording {
    /// The RIFF/WAVE (or RF64) chunks calltap or libsndfile wrote, as far as recovery needs them.
    /// A killed writer leaves the sizes it wrote when it opened the file (`RIFF` 8, `data` 0) with
    /// the audio after them; the header is made to say what is on disk.
    struct WAVHeader {
        var fileSize: UInt64
        /// The RIFF size, from `ds64` in an RF64 file.
        var riffSize: UInt64
        var formatTag: UInt16
        var channels: Int
        var sampleRate: Int
        var blockAlign: Int
        var bitsPerSample: Int
        /// Where the `data` chunk's 8-byte header starts, and the size it declares.
        var dataChunkOffset: UInt64
        var declaredDataSize: UInt64
        /// The file starts with the chunk calltap reserves for `ds64` (`WAVSizeFields`): then it
        /// can hold any length, as RF64 past 4 GiB. Other WAV files keep what 32 bits can declare.
        var hasSizeReserve: Bool
        /// Where the `fact` chunk's sample count is (µ-law and A-law files have one).
        var factCountOffset: UInt64?

        var dataStart: UInt64 { dataChunkOffset + 8 }

        /// Whole frames between the data chunk's start and the end of the file, within what a
        /// 32-bit RIFF size can declare unless the file has room for `ds64`.
        var framesOnDisk: Int64 {
            let onDisk = fileSize - dataStart
            let bytes = hasSizeReserve ? onDisk : min(onDisk, UInt64(UInt32.max) - dataStart)
            return Int64(bytes / UInt64(blockAlign))
        }

        /// The sizes already describe the file (it was closed, or its header kept up to date):
        /// then chunks after the audio are left as they are.
        var isConsistent: Bool {
            riffSize + 8 == fileSize && dataStart + declaredDataSize <= fileSize
                && declaredDataSize % UInt64(blockAlign) == 0
        }

        var declaredFrames: Int64 { Int64(declaredDataSize) / Int64(blockAlign) }

        /// The calltap format this file is in, if it is one calltap writes.
        var format: AudioFileFormat? {
            switch (formatTag, bitsPerSample) {
            case (1, 16): .wav
            case (7, 8): .wavMuLaw
            case (6, 8): .wavALaw
            default: nil
            }
        }

        /// Reads the chunk list up to `data`; the reason in words when it is not a usable WAV.
        static func read(_ file: RawFile) -> Result<WAVHeader, RecoveryProblem> {
            let size = file.size
            guard size >= 12, let riff = file.read(at: 0, count: 12), riff.count == 12 else {
                return .failure("is too short for a WAV header (\(size) bytes)")
            }
            let isRF64 = riff[0..<4].elementsEqual("RF64".utf8)
            guard riff[0..<4].elementsEqual("RIFF".utf8) || isRF64, riff[8..<12].elementsEqual("WAVE".utf8) else {
                return .failure("is not a RIFF/WAVE file")
            }
            var riffSize = UInt64(littleEndian32(riff, 4))
            var ds64: (riff: UInt64, data: UInt64)?
            var hasSizeReserve = false
            var fmt: (tag: UInt16, channels: Int, rate: Int, blockAlign: Int, bits: Int)?
            var factCountOffset: UInt64?
            var offset: UInt64 = 12
            while offset + 8 <= size {
                guard let chunk = file.read(at: offset, count: 8), chunk.count == 8 else { break }
                let id = String(decoding: chunk[0..<4], as: UTF8.self)
                let chunkSize = UInt64(littleEndian32(chunk, 4))
                if offset == WAVSizeFields.riffHeadSize, id == "JUNK" || id == "ds64",
                   chunkSize == UInt64(WAVSizeFields.reserveBodySize) {
                    hasSizeReserve = true
                }
                switch id {
                case "data":
                    guard let fmt else { return .failure("has its audio before its 'fmt ' chunk") }
                    if isRF64 {
                        guard let ds64 else { return .failure("is RF64 without a 'ds64' chunk before its audio") }
                        riffSize = ds64.riff
                    }
                    let dataSize = isRF64 && chunkSize == UInt64(UInt32.max) ? ds64?.data ?? chunkSize : chunkSize
                    return .success(WAVHeader(fileSize: size, riffSize: riffSize, formatTag: fmt.tag,
                                              channels: fmt.channels, sampleRate: fmt.rate, blockAlign: fmt.blockAlign,
                                              bitsPerSample: fmt.bits, dataChunkOffset: offset,
                                              declaredDataSize: dataSize, hasSizeReserve: hasSizeReserve,
                                              factCountOffset: factCountOffset))
                case "ds64":
                    guard chunkSize >= 16, let body = file.read(at: offset + 8, count: 16), body.count == 16 else {
                        return .failure("has a 'ds64' chunk cut short")
                    }
                    ds64 = (littleEndian64(body, 0), littleEndian64(body, 8))
                case "fmt ":
                    guard chunkSize >= 16, let body = file.read(at: offset + 8, count: 16), body.count == 16 else {
                        return .failure("has a 'fmt ' chunk cut short")
                    }
                    var tag = littleEndian16(body, 0)
                    if tag == 0xFFFE, chunkSize >= 26, let sub = file.read(at: offset + 8 + 24, count: 2), sub.count == 2 {
                        tag = littleEndian16(sub, 0)   // WAVE_FORMAT_EXTENSIBLE: the sub-format names the coding
                    }
                    let channels = Int(littleEndian16(body, 2))
                    let blockAlign = Int(littleEndian16(body, 12))
                    guard channels > 0, blockAlign > 0 else {
                        return .failure("has a 'fmt ' chunk that declares \(channels) channels of \(blockAlign) bytes")
                    }
                    fmt = (tag, channels, Int(littleEndian32(body, 4)), blockAlign, Int(littleEndian16(body, 14)))
                case "fact":
                    factCountOffset = offset + 8
                default:
                    break
                }
                // Chunks are padded to an even size.
                offset += 8 + chunkSize + (chunkSize & 1)
            }
            return .failure("has no 'data' chunk")
        }

        /// Makes the header declare `frames` whole frames and cuts the file after them (plus the
        /// pad byte RIFF wants after an odd-sized chunk). Nothing is done when it already says so.
        func rewrite(_ file: RawFile, frames: Int64) -> RecoveryProblem? {
            if isConsistent && declaredFrames == frames { return nil }
            let dataBytes = UInt64(frames) * UInt64(blockAlign)
            let padded = dataBytes + (dataBytes & 1)
            let end = dataStart + padded
            guard file.truncate(to: dataStart + dataBytes) else { return "cannot be shortened: \(file.lastError)" }
            if padded != dataBytes, !file.write([0], at: dataStart + dataBytes) { return "cannot be padded: \(file.lastError)" }
            var ok: Bool
            if hasSizeReserve {
                let sizes = WAVSizeFields.head(fileSize: end, dataBytes: dataBytes, frames: UInt64(frames))
                ok = file.write(sizes.bytes, at: 0)
                ok = ok && file.write(Self.bytes32(sizes.dataSizeField), at: dataChunkOffset + 4)
            } else {
                ok = file.write(Self.bytes32(UInt32(clamping: dataBytes)), at: dataChunkOffset + 4)
                ok = ok && file.write(Self.bytes32(UInt32(clamping: end - 8)), at: 4)
            }
            if let factCountOffset, factCountOffset + 4 <= dataChunkOffset {
                ok = ok && file.write(Self.bytes32(UInt32(clamping: frames)), at: factCountOffset)
            }
            guard ok, file.synchronize() else { return "cannot have its header rewritten: \(file.lastError)" }
            return nil
        }

        private static func bytes32(_ value: UInt32) -> [UInt8] {
            [UInt8(value & 0xFF), UInt8((value >> 8) & 0xFF), UInt8((value >> 16) & 0xFF), UInt8(value >> 24)]
        }
    }
}

private func littleEndian16(_ bytes: [UInt8], _ at: Int) -> UInt16 {
    UInt16(bytes[at]) | UInt16(bytes[at + 1]) << 8
}

private func littleEndian32(_ bytes: [UInt8], _ at: Int) -> UInt32 {
    UInt32(bytes[at]) | UInt32(bytes[at + 1]) << 8 | UInt32(bytes[at + 2]) << 16 | UInt32(bytes[at + 3]) << 24
}

private func littleEndian64(_ bytes: [UInt8], _ at: Int) -> UInt64 {
    UInt64(littleEndian32(bytes, at)) | UInt64(littleEndian32(bytes, at + 4)) << 32
}
