import CalltapTestSupport
import Foundation
import Testing
@testable import Media

/// WAV files past 4 GiB: calltap's writer and crash recovery turn them into RF64 (EBU Tech 3306)
/// with a `ds64` chunk whose sizes are the real ones, so that libsndfile reads the whole length
/// instead of what a wrapped 32-bit size says.
@Suite struct RF64Tests {
    let dir = RepositoryPaths.temporaryDirectory("calltap-rf64")

    /// The fields the header declares, read straight from the bytes.
    struct DeclaredSizes: Equatable {
        var form: String
        var riff32: UInt32
        var reserve: String
        var riff64: UInt64
        var data64: UInt64
        var samples64: UInt64
        var data32: UInt32

        init(path: String) throws {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            let h = [UInt8](try handle.read(upToCount: WAVFileWriter.headerSize) ?? Data())
            func u32(_ at: Int) -> UInt32 { (0..<4).reduce(0) { $0 | UInt32(h[at + $1]) << (8 * UInt32($1)) } }
            func u64(_ at: Int) -> UInt64 { UInt64(u32(at)) | UInt64(u32(at + 4)) << 32 }
            form = String(decoding: h[0..<4], as: UTF8.self)
            riff32 = u32(4)
            reserve = String(decoding: h[12..<16], as: UTF8.self)
            riff64 = u64(20)
            data64 = u64(28)
            samples64 = u64(36)
            data32 = u32(WAVFileWriter.headerSize - 4)
        }
    }

    func libsndfileFrames(_ path: String) throws -> (frames: Int64, rate: Int, channels: Int) {
        let probe = try InterruptedRecording.SoundFileProbe.run(path: path, decodeAll: false).get()
        return (probe.declaredFrames, probe.sampleRate, probe.channels)
    }

    func fileSize(_ path: String) throws -> UInt64 {
        (try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.uint64Value ?? 0
    }

    /// Writes `frames` stereo frames of a 1 kHz / 700 Hz pair through the writer, in half-second runs.
    func write(_ writer: WAVFileWriter, frames: Int) throws {
        let left = ToneSynthesis.sine(frequency: 1000, count: frames)
        let right = ToneSynthesis.sine(frequency: 700, count: frames)
        var interleaved = [Int16](repeating: 0, count: frames * 2)
        for i in 0..<frames { (interleaved[2 * i], interleaved[2 * i + 1]) = (left[i], right[i]) }
        var done = 0
        while done < frames {
            let n = min(4000, frames - done)
            try interleaved.withUnsafeBufferPointer { try writer.write(frames: $0.baseAddress! + 2 * done, count: n) }
            done += n
        }
    }

    @Test func aSmallFileIsPlainWAVWithItsReserveLeftAsJUNK() throws {
        let path = "\(dir)/small.wav"
        let writer = try WAVFileWriter(path: path, sampleRate: 8000, channels: 2)
        try write(writer, frames: 24000)
        try writer.close()

        let size = try fileSize(path)
        #expect(size == UInt64(WAVFileWriter.headerSize) + 24000 * 4)
        let declared = try DeclaredSizes(path: path)
        #expect(declared.form == "RIFF" && declared.reserve == "JUNK")
        #expect(UInt64(declared.riff32) == size - 8)
        #expect(declared.data32 == 24000 * 4)
        #expect(declared.riff64 == 0 && declared.data64 == 0 && declared.samples64 == 0)
        let read = try libsndfileFrames(path)
        #expect(read.frames == 24000 && read.rate == 8000 && read.channels == 2)
        let audio = try DecodedAudio(path: path)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 0, from: 0.5, to: 2.5), sampleRate: 8000) == 1000)
        #expect(ToneAnalysis.dominantFrequency(audio.slice(channel: 1, from: 0.5, to: 2.5), sampleRate: 8000) == 700)
    }

    @Test func theSwitchPointIsWhereTheRIFFSizeNoLongerFits() {
        let limit = UInt64(UInt32.max) + 8
        #expect(!WAVSizeFields.needsRF64(fileSize: limit))
        #expect(WAVSizeFields.needsRF64(fileSize: limit + 1))
        let below = WAVSizeFields.head(fileSize: limit, dataBytes: limit - 80, frames: (limit - 80) / 4)
        #expect(below.bytes.count == WAVSizeFields.headSize && below.dataSizeField == UInt32(limit - 80))
        #expect(Array(below.bytes[4..<8]) == [0xFF, 0xFF, 0xFF, 0xFF] && Array(below.bytes[0..<4]) == Array("RIFF".utf8))
        let above = WAVSizeFields.head(fileSize: limit + 4, dataBytes: limit + 4 - 80, frames: (limit + 4 - 80) / 4)
        #expect(Array(above.bytes[0..<4]) == Array("RF64".utf8) && above.dataSizeField == UInt32.max)
    }

    /// What `kill -9` leaves of a call that ran past 4 GiB: the header written at open (sizes 8
    /// and 0), then the audio. The tail is made sparse (silence without writing 4.5 GB).
    @Test func aKilledRecordingPast4GiBIsRepairedAsRF64() throws {
        let path = "\(dir)/long.wav"
        let killed = "\(dir)/long-killed.wav"
        let writer = try WAVFileWriter(path: path, sampleRate: 8000, channels: 2)
        try write(writer, frames: 24000)
        try FileManager.default.copyItem(atPath: path, toPath: killed)
        try writer.close()
        defer { try? FileManager.default.removeItem(atPath: killed) }

        let frames: UInt64 = 40 * 3600 * 8000   // 40 hours at 8 kHz, stereo 16-bit: 4.6 GB
        let dataBytes = frames * 4
        // Plus half a frame: the write the kill interrupted.
        #expect(truncate(killed, off_t(UInt64(WAVFileWriter.headerSize) + dataBytes + 2)) == 0)
        let before = try DeclaredSizes(path: killed)
        #expect(before.form == "RIFF" && before.riff32 == 8 && before.data32 == 0)

        let recording = InterruptedRecording(
            recordingIdentifier: "long", callInstance: "long@pbx", segment: 0, isDuplicate: false, agentId: nil,
            serverId: "recorder-a", startNanos: 1_700_000_000_000_000_000, format: .wav, sampleRate: 8000,
            channelRoles: ["caller", "callee"], metadata: [:], audioPaths: [killed], sidecarPath: "\(dir)/long.json")
        let result = try recording.recover()

        #expect(result.sidecar.endReason == "interrupted")
        #expect(result.sidecar.audio.durationSeconds == 40 * 3600)
        let size = try fileSize(killed)
        #expect(size == UInt64(WAVFileWriter.headerSize) + dataBytes)
        let after = try DeclaredSizes(path: killed)
        #expect(after.form == "RF64" && after.riff32 == UInt32.max && after.reserve == "ds64")
        #expect(after.riff64 == size - 8)
        #expect(after.data64 == dataBytes)
        #expect(after.samples64 == frames)
        #expect(after.data32 == UInt32.max)
        let read = try libsndfileFrames(killed)
        #expect(read.frames == Int64(frames) && read.rate == 8000 && read.channels == 2)
        // The audio before the tail is the call's own.
        let head = try DecodedAudio(path: killed, maxFrames: 24000)
        #expect(ToneAnalysis.dominantFrequency(head.slice(channel: 0, from: 0.5, to: 2.5), sampleRate: 8000) == 1000)

        // A second recovery (a crash during the first) finds the header consistent.
        let again = try recording.recover()
        #expect(try DeclaredSizes(path: killed) == after)
        #expect(again.sidecar.audio.durationSeconds == 40 * 3600)

        // A late blackout over its first second: silence in place, the RF64 header as it was
        // (libsndfile, opening it to write, would put a longer header over the first frames).
        #expect(try AudioFileSilencer.silence(path: killed, frames: 0..<8000) == 8000)
        #expect(try DeclaredSizes(path: killed) == after)
        #expect(try libsndfileFrames(killed).frames == Int64(frames))
        let silenced = try DecodedAudio(path: killed, maxFrames: 24000)
        #expect(ToneAnalysis.rms(silenced.slice(channel: 0, from: 0, to: 1)) == 0)
        #expect(ToneAnalysis.dominantFrequency(silenced.slice(channel: 0, from: 1, to: 3), sampleRate: 8000) == 1000)
        #expect(silenced.channels[1][8000..<24000] == head.channels[1][8000..<24000])
    }

    /// The writer itself crossing 4 GiB writes 4.3 GB for real, so it runs only when asked:
    /// `CALLTAP_LARGE_FILE_TESTS=1`. (`make`-free: `swift test --filter RF64Tests`.)
    @Test(.enabled(if: ProcessInfo.processInfo.environment["CALLTAP_LARGE_FILE_TESTS"] == "1"))
    func theWriterSwitchesToRF64PastFourGiB() throws {
        let path = "\(dir)/written.wav"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try WAVFileWriter(path: path, sampleRate: 48000, channels: 2)
        let chunk = 1 << 20
        let silence = [Int16](repeating: 0, count: chunk * 2)
        // 1025 MiB frames of 4 bytes: just past 4 GiB.
        for _ in 0..<1025 { try silence.withUnsafeBufferPointer { try writer.write(frames: $0.baseAddress!, count: chunk) } }
        try writer.close()
        let frames = UInt64(1025 * chunk)
        let size = try fileSize(path)
        #expect(size == UInt64(WAVFileWriter.headerSize) + frames * 4)
        let declared = try DeclaredSizes(path: path)
        #expect(declared.form == "RF64" && declared.reserve == "ds64" && declared.riff32 == UInt32.max)
        #expect(declared.riff64 == size - 8 && declared.data64 == frames * 4 && declared.samples64 == frames)
        #expect(declared.data32 == UInt32.max)
        #expect(try libsndfileFrames(path).frames == Int64(frames))
    }
}
