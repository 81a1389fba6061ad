import Testing
@testable import Media

@Suite struct CaptureTimeTests {
    @Test func formatsUTCAndLegacyTimes() {
        // 2016-12-08T15:06:40.250Z
        let nanos: Int64 = 1_481_209_600_250_000_000
        #expect(CaptureTime.iso8601(nanos) == "2016-12-08T15:06:40.250Z")
        #expect(CaptureTime.legacy(nanos, offsetSeconds: 0) == "12/08/2016 15:06:40")
        #expect(CaptureTime.legacy(nanos, offsetSeconds: 3600) == "12/08/2016 16:06:40")
        #expect(CaptureTime.datePath(nanos) == "2016/12/08")
        #expect(CaptureTime.iso8601(0) == "1970-01-01T00:00:00.000Z")
        // Leap day and a date before the epoch.
        #expect(CaptureTime.iso8601(951_782_400_000_000_000) == "2000-02-29T00:00:00.000Z")
        #expect(CaptureTime.iso8601(-1_000_000) == "1969-12-31T23:59:59.999Z")
    }

    @Test func recordingIdentifiersAreStableUUIDs() {
        let a = RecordingIdentifier.make(serverId: "a", callInstance: "x@y", segment: 0)
        #expect(a == RecordingIdentifier.make(serverId: "a", callInstance: "x@y", segment: 0))
        #expect(a != RecordingIdentifier.make(serverId: "a", callInstance: "x@y", segment: 1))
        #expect(a != RecordingIdentifier.make(serverId: "b", callInstance: "x@y", segment: 0))
        #expect(a.count == 36)
        #expect(Array(a)[14] == "8")
    }
}
