import Testing
@testable import Media

@Suite struct StreamClockTests {
    @Test func placesByTimestampThroughJitter() {
        var clock = StreamClock(sampleRate: 8000)
        #expect(clock.position(timestamp: 1000, clockRate: 8000, capturePosition: 800) == 800)
        // 40 ms of jitter (within 60 ms): still placed by timestamp.
        #expect(clock.position(timestamp: 1160, clockRate: 8000, capturePosition: 960 + 320) == 960)
        #expect(clock.reanchors == 0)
    }

    @Test func reanchorsOnSustainedDriftAndJumps() {
        var clock = StreamClock(sampleRate: 8000)
        _ = clock.position(timestamp: 0, clockRate: 8000, capturePosition: 0)
        // The sender paused 3 s without advancing its timestamps: lateness 3 s > 2 s limit → at once.
        #expect(clock.position(timestamp: 160, clockRate: 8000, capturePosition: 24_160) == 24_160)
        #expect(clock.reanchors == 1)
        // A timestamp jump forward with no time passing: re-anchored to capture time.
        #expect(clock.position(timestamp: 1_000_000, clockRate: 8000, capturePosition: 24_320) == 24_320)
        #expect(clock.reanchors == 2)
        // 100 ms late for over half a second: drift, moved by the least lateness (100 ms = 800).
        var positions: [Int64] = []
        for i in 1...40 {
            positions.append(clock.position(timestamp: 1_000_000 + UInt32(i * 160), clockRate: 8000,
                                            capturePosition: 24_320 + Int64(i * 160) + 800))
        }
        #expect(clock.reanchors == 3)
        #expect(positions[39] == Int64(24_320 + 40 * 160 + 800))
    }

    @Test func scalesClockRateToSampleRate() {
        var clock = StreamClock(sampleRate: 16000)
        _ = clock.position(timestamp: 0, clockRate: 48000, capturePosition: 0)
        #expect(clock.position(timestamp: 960, clockRate: 48000, capturePosition: 320) == 320)
    }
}
