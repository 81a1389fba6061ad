import CalltapTestSupport
import Foundation
import Media
import Testing

/// The held audio of a recording, as the file shows it: G.711 kept as codes with their gaps, other
/// audio as samples, a channel changing kind on the way, placements late, reordered, lost and
/// repeated. Each case is checked sample for sample against a plain model: a frame holds what
/// was placed there last before it was written, else silence.
@Suite struct RecordingTimelineTests {
    enum Placement {
        case codes(law: Int, bytes: [UInt8])
        case samples([Int16])
        /// The channel's frames from `at` up to `to` move earlier by `by` (`RecordingTimeline.move`).
        case move(to: Int64, by: Int64)
    }

    typealias Step = (channel: Int, at: Int64, Placement)?

    /// G.711 `bytes` (law 0 µ-law, 1 A-law) in `channel` at frame `at`.
    static func codes(_ channel: Int, _ at: Int, law: Int, _ bytes: [UInt8]) -> Step {
        (channel, Int64(at), Placement.codes(law: law, bytes: bytes))
    }

    /// Runs `steps` (a placement in a channel at a frame, or a commit up to a frame) and compares
    /// the file with the model.
    func check(channels: Int = 2, capacity: Int = 4000, _ steps: [Step], commits: [Int: Int64],
               end: Int64) throws {
        let dir = RepositoryPaths.temporaryDirectory("calltap-timeline")
        let roles = (0..<channels).map { "side\($0)" }
        let output = try RecordingOutput(stem: dir + "/t", sampleRate: 8000, roles: roles, format: .wav, layout: .stereo, side: .both)
        let timeline = RecordingTimeline(channels: channels, capacityFrames: capacity, output: output)
        let tables = [G711.muLawTable, G711.aLawTable]
        var model = Array(repeating: [Int16](repeating: 0, count: Int(end)), count: channels)
        var committed: Int64 = 0
        for (index, step) in steps.enumerated() {
            if let upTo = commits[index] {
                try timeline.commit(upTo: upTo)
                committed = max(committed, upTo)
            }
            guard let (channel, at, placement) = step else { continue }
            if case .move(let to, let distance) = placement {
                timeline.move(channel: channel, from: at, to: to, by: distance)
                for frame in at..<to where frame < end { model[channel][Int(frame - distance)] = model[channel][Int(frame)] }
                for frame in max(at, to - distance)..<to where frame < end { model[channel][Int(frame)] = 0 }
                continue
            }
            // What lies more than the capacity behind a placement's end is written first.
            let length: Int
            switch placement {
            case .codes(_, let bytes): length = bytes.count
            case .samples(let samples): length = samples.count
            case .move: length = 0
            }
            committed = max(committed, at + Int64(length) - Int64(max(capacity, 1024)))
            switch placement {
            case .codes(let law, let bytes):
                _ = try bytes.withUnsafeBytes { try timeline.placeCodes(channel: channel, at: at, codes: $0, table: tables[law]) }
                for (i, byte) in bytes.enumerated() where at + Int64(i) >= committed && at + Int64(i) < end {
                    model[channel][Int(at) + i] = tables[law][Int(byte)]
                }
            case .samples(let samples):
                _ = try timeline.place(channel: channel, at: at, count: samples.count) { offset, destination, count in
                    for i in 0..<count { destination[i] = samples[offset + i] }
                }
                for (i, s) in samples.enumerated() where at + Int64(i) >= committed && at + Int64(i) < end {
                    model[channel][Int(at) + i] = s
                }
            case .move: break
            }
        }
        try timeline.commit(upTo: end)
        try output.close()
        let audio = try DecodedAudio(path: dir + "/t.wav")
        #expect(audio.frames == Int(end))
        for c in 0..<channels {
            let differing = (0..<Int(end)).filter { audio.channels[c][$0] != model[c][$0] }
            #expect(differing.isEmpty, "channel \(c): \(differing.count) frames differ, first at \(differing.first ?? -1)")
        }
    }

    /// Packets of 160 codes with every value, so that A-law's nonzero "silence" codes show.
    static func packet(_ n: Int) -> [UInt8] { (0..<160).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ n) } }

    @Test func aLostPacketIsExactSilenceEvenInALaw() throws {
        for law in [0, 1] {
            var steps: [Step] = []
            for n in 0..<20 where n != 5 && n != 6 && n != 12 {
                steps.append(Self.codes(0, n * 160, law: law, Self.packet(n)))
                steps.append(Self.codes(1, n * 160 + 40, law: law, Self.packet(n + 1)))
            }
            try check(steps, commits: [20: 1600], end: 3400)
        }
    }

    @Test func reorderedAndRepeatedPacketsFillTheirGaps() throws {
        // 0, 2, 4, 1, 3 (each late one fills a gap, one of them in the middle of a larger gap), then a repeat.
        let order = [0, 2, 4, 6, 1, 3, 9, 7, 8, 5, 4, 10, 12, 11]
        var steps: [Step] = order.map { n in Self.codes(0, n * 160, law: 1, Self.packet(n)) }
        steps.append(Self.codes(1, 100, law: 1, Self.packet(99)))
        try check(steps, commits: [6: 480, 12: 900], end: 13 * 160)
    }

    @Test func halfThePacketsLostTurnsTheChannelIntoSamplesWithoutChangingIt() throws {
        // More gaps than are kept: the channel changes to 16-bit samples, keeping what it held.
        var steps: [Step] = []
        for n in 0..<120 {
            steps.append(n % 2 == 0 ? Self.codes(0, n * 80, law: 1, Array(Self.packet(n).prefix(80))) : nil)
        }
        steps.append(Self.codes(0, 80, law: 1, Array(Self.packet(1).prefix(80))))
        try check(capacity: 12000, steps, commits: [60: 2000], end: 120 * 80)
    }

    @Test func aChannelThatChangesCodecKeepsWhatItHeld() throws {
        var steps: [Step] = []
        for n in 0..<10 { steps.append(Self.codes(0, n * 160, law: 0, Self.packet(n))) }
        // µ-law then A-law on the same channel, then decoded samples, with a gap in between.
        for n in 10..<14 { steps.append(Self.codes(0, n * 160, law: 1, Self.packet(n))) }
        let decoded: [Int16] = (0..<160).map { Int16($0 * 100 - 8000) }
        steps.append((0, Int64(15 * 160), Placement.samples(decoded)))
        for n in 0..<16 { steps.append(Self.codes(1, n * 160, law: 1, Self.packet(n + 3))) }
        try check(steps, commits: [12: 1000, 20: 2000], end: 16 * 160)
    }

    /// A stream's first packets came late: its held audio moves earlier into the silence before
    /// it, across the ring's wrap, with a lost packet inside that stays lost, and what comes
    /// after lands beside it. The other channel does not move.
    @Test func heldAudioMovesEarlierWithItsGaps() throws {
        for law in [0, 1] {
            var steps: [Step] = []
            // Capacity 1200: frames 900 ..< 1700 wrap; one packet (index 2) is lost.
            for n in 0..<5 where n != 2 { steps.append(Self.codes(0, 900 + n * 160, law: law, Self.packet(n))) }
            for n in 0..<8 { steps.append(Self.codes(1, n * 160, law: 1 - law, Self.packet(n + 20))) }
            steps.append((0, 900, Placement.move(to: 900 + 5 * 160, by: 230)))
            for n in 5..<7 { steps.append(Self.codes(0, 670 + n * 160, law: law, Self.packet(n))) }
            // Moved again, by a little, as a later packet can show.
            steps.append((0, 670, Placement.move(to: 670 + 7 * 160, by: 16)))
            try check(capacity: 1200, steps, commits: [6: 400], end: 2000)
        }
    }

    @Test func heldSamplesMoveEarlierToo() throws {
        let decoded: (Int) -> [Int16] = { n in (0..<160).map { Int16($0 * 90 - 7000 + n) } }
        var steps: [Step] = []
        for n in 0..<4 { steps.append((0, Int64(500 + n * 160), Placement.samples(decoded(n)))) }
        steps.append((0, 500, Placement.move(to: 500 + 4 * 160, by: 320)))
        steps.append((0, Int64(180 + 4 * 160), Placement.samples(decoded(4))))
        try check(steps, commits: [:], end: 1200)
    }

    @Test func codesWithAudioAfterWhatMovesBecomeSamples() throws {
        // Frames after the moved ones hold audio: the codes' bookkeeping cannot follow, the
        // channel changes to samples and moves all the same.
        var steps: [Step] = []
        for n in 0..<4 { steps.append(Self.codes(0, 400 + n * 160, law: 1, Self.packet(n))) }
        steps.append((0, 400, Placement.move(to: 720, by: 100)))
        try check(steps, commits: [:], end: 1200)
    }

    @Test func packetsFarAheadCommitWhatTheyPushOut() throws {
        // A capacity of 1024 frames: a packet 3,000 frames on writes what lies more than 1,024 behind it.
        let steps: [Step] = [
            Self.codes(0, 0, law: 0, Self.packet(0)),
            Self.codes(1, 100, law: 1, Self.packet(1)),
            Self.codes(0, 3000, law: 1, Self.packet(2)),
            // Now late for frames before 3160 - 1024: only its tail is kept.
            Self.codes(1, 2000, law: 1, Self.packet(3)),
            Self.codes(0, 2500, law: 0, Self.packet(4)),
        ]
        try check(capacity: 1024, steps, commits: [:], end: 3200)
    }
}
