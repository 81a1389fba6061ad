import CalltapTestSupport
import Foundation
import Media
import Testing

/// The pool the timelines take their held audio from: blocks that never overlap and keep what
/// is written to them, reused once given back, chunks given back to the system once empty (but
/// for one spare per size), safe from several threads; and a timeline takes its rings from it
/// and gives them back when its held audio is released.
@Suite struct HeldAudioPoolTests {
    /// Fills `block` with a pattern of `seed` and checks it is still there.
    static func fill(_ block: UnsafeMutableRawPointer, bytes: Int, seed: UInt8) {
        let b = block.assumingMemoryBound(to: UInt8.self)
        for i in 0..<bytes { b[i] = seed &+ UInt8(truncatingIfNeeded: i) }
    }

    static func holds(_ block: UnsafeMutableRawPointer, bytes: Int, seed: UInt8) -> Bool {
        let b = block.assumingMemoryBound(to: UInt8.self)
        return (0..<bytes).allSatisfy { b[$0] == seed &+ UInt8(truncatingIfNeeded: $0) }
    }

    @Test func blocksAreAlignedApartAndKeepWhatIsWritten() {
        let pool = HeldAudioPool()
        let bytes = 22_000
        // More than one chunk's worth (2 MiB holds 95 such blocks).
        let blocks = (0..<200).map { _ in pool.take(bytes: bytes) }
        #expect(blocks.allSatisfy { Int(bitPattern: $0) % 64 == 0 })
        let starts = blocks.map { Int(bitPattern: $0) }.sorted()
        #expect(zip(starts, starts.dropFirst()).allSatisfy { $1 - $0 >= bytes })
        for (i, b) in blocks.enumerated() { Self.fill(b, bytes: bytes, seed: UInt8(truncatingIfNeeded: i)) }
        #expect(blocks.enumerated().allSatisfy { Self.holds($1, bytes: bytes, seed: UInt8(truncatingIfNeeded: $0)) })
        #expect(pool.inUseBytes == 200 * 22_016)
        #expect(pool.mappedBytes == 3 * (2 << 20))
        for b in blocks { pool.give(b, bytes: bytes) }
        #expect(pool.inUseBytes == 0)
    }

    @Test func aGivenBackBlockIsTakenAgainBeforeANewOne() {
        let pool = HeldAudioPool()
        let a = pool.take(bytes: 4000)
        let b = pool.take(bytes: 4000)
        pool.give(a, bytes: 4000)
        #expect(pool.take(bytes: 4000) == a)
        // Another size is carved from chunks of its own.
        let c = pool.take(bytes: 8000)
        #expect(Int(bitPattern: c) & ~((2 << 20) - 1) != Int(bitPattern: b) & ~((2 << 20) - 1))
        #expect(pool.mappedBytes == 2 * (2 << 20))
    }

    @Test func emptyChunksGoBackToTheSystemButOneSparePerSize() throws {
        let pool = HeldAudioPool()
        let blocks = (0..<(95 * 4)).map { _ in pool.take(bytes: 22_000) }
        #expect(pool.mappedBytes == 4 * (2 << 20))
        for b in blocks { pool.give(b, bytes: 22_000) }
        #expect(pool.mappedBytes == 2 << 20)
        // The spare serves the next recording without a new mapping.
        _ = pool.take(bytes: 22_000)
        #expect(pool.mappedBytes == 2 << 20)
    }

    @Test func blocksLargerThanAQuarterChunkGetLargerChunks() {
        let pool = HeldAudioPool()
        let bytes = 1 << 20
        let blocks = (0..<5).map { _ in pool.take(bytes: bytes) }
        for (i, b) in blocks.enumerated() { Self.fill(b, bytes: bytes, seed: UInt8(i)) }
        #expect(blocks.enumerated().allSatisfy { Self.holds($1, bytes: bytes, seed: UInt8($0)) })
        // Chunks of four blocks, 4 MiB each: two of them.
        #expect(pool.mappedBytes == 2 * (4 << 20))
        for b in blocks { pool.give(b, bytes: bytes) }
        #expect(pool.mappedBytes == 4 << 20)
    }

    @Test func threadsTakeAndGiveBackWithoutSharingABlock() async {
        let pool = HeldAudioPool()
        let failures = await withTaskGroup(of: Int.self) { group in
            for t in 0..<4 {
                group.addTask {
                    var failed = 0
                    for round in 0..<200 {
                        let bytes = [3000, 22_000, 44_000][round % 3]
                        let seed = UInt8(truncatingIfNeeded: t * 64 + round)
                        let blocks = (0..<5).map { _ in pool.take(bytes: bytes) }
                        for b in blocks { Self.fill(b, bytes: bytes, seed: seed) }
                        for b in blocks where !Self.holds(b, bytes: bytes, seed: seed) { failed += 1 }
                        for b in blocks { pool.give(b, bytes: bytes) }
                    }
                    return failed
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
        #expect(pool.inUseBytes == 0)
    }

    @Test func aTimelineTakesItsRingsFromThePoolAndGivesThemBack() throws {
        let pool = HeldAudioPool()
        let dir = RepositoryPaths.temporaryDirectory("calltap-pool")
        let output = try RecordingOutput(stem: dir + "/t", sampleRate: 8000, roles: ["a", "b"], format: .wav,
                                         layout: .stereo, side: .both)
        let capacity = 22_000
        let timeline = RecordingTimeline(channels: 2, capacityFrames: capacity, output: output, pool: pool)
        let codes = [UInt8](repeating: 0x12, count: 160)
        _ = try codes.withUnsafeBytes { try timeline.placeCodes(channel: 0, at: 0, codes: $0, table: G711.muLawTable) }
        #expect(pool.inUseBytes == HeldAudioPoolTests.block(capacity))
        // The other channel as 16-bit samples: twice the bytes.
        _ = try timeline.place(channel: 1, at: 0, count: 160) { _, destination, count in
            destination.update(repeating: 1000, count: count)
        }
        #expect(pool.inUseBytes == HeldAudioPoolTests.block(capacity) + HeldAudioPoolTests.block(2 * capacity))
        try timeline.commit(upTo: 160)
        timeline.releaseHeld()
        #expect(pool.inUseBytes == 0)
        try output.close()
        // What was held reached the file: µ-law 0x12 in the left channel, 1000 in the right.
        let audio = try DecodedAudio(path: dir + "/t.wav")
        #expect(audio.frames == 160)
        #expect(audio.channels[0].allSatisfy { $0 == G711.muLawTable[0x12] })
        #expect(audio.channels[1].allSatisfy { $0 == 1000 })
        try? FileManager.default.removeItem(atPath: dir)
    }

    static func block(_ bytes: Int) -> Int { (bytes + 63) / 64 * 64 }
}
