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

    @Test func aLateAnchorMovesEarlierAsFarAsTheAudioCan() {
        var clock = StreamClock(sampleRate: 8000)
        var moved: Int64 = -1
        // The first packet came 30 ms late (at 800 + 240).
        #expect(clock.position(timestamp: 0, clockRate: 8000, capturePosition: 1040, movableBy: 1000, moved: &moved) == 1040)
        #expect(moved == 0 && clock.onFirstAnchor)
        // The next came on time: 240 earlier than its timestamp says, but only 100 of room.
        #expect(clock.position(timestamp: 160, clockRate: 8000, capturePosition: 960, movableBy: 100, moved: &moved) == 1100)
        #expect(moved == 100)
        // Less than 2 ms early (15 samples) is jitter: nothing moves.
        #expect(clock.position(timestamp: 320, clockRate: 8000, capturePosition: 1245, movableBy: 1000, moved: &moved) == 1260)
        #expect(moved == 0)
        // The rest of the way, when there is room.
        #expect(clock.position(timestamp: 480, clockRate: 8000, capturePosition: 1280, movableBy: 1000, moved: &moved) == 1280)
        #expect(moved == 140 && clock.reanchors == 0)
        // Once re-anchored (a jump), the stream is no longer on its first anchor: nothing moves.
        _ = clock.position(timestamp: 900_000, clockRate: 8000, capturePosition: 1440, movableBy: 1000, moved: &moved)
        #expect(clock.reanchors == 1 && !clock.onFirstAnchor)
        #expect(clock.position(timestamp: 900_160, clockRate: 8000, capturePosition: 1400, movableBy: 1000, moved: &moved) == 1600)
        #expect(moved == 0)
    }

    @Test func scalesClockRateToSampleRate() {
        var clock = StreamClock(sampleRate: 16000)
        _ = clock.position(timestamp: 0, clockRate: 48000, capturePosition: 0)
        #expect(clock.position(timestamp: 960, clockRate: 48000, capturePosition: 320) == 320)
    }
}
