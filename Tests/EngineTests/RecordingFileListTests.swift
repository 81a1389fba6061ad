@testable import Engine
import Testing

/// A replay's list of files, spooled as recordings finish in whatever order the workers end
/// them and read back ordered by start, then identifier (starts that tie), each file once.
@Suite struct RecordingFileListTests {
    @Test func readsBackInStartThenIdentifierOrder() throws {
        let list = try #require(RecordingFileList())
        list.append(start: 300, identifier: "c", paths: ["/r/c.wav"])
        list.append(start: 100, identifier: "b", paths: ["/r/b-caller.wav", "/r/b-callee.wav"])
        list.append(start: 200, identifier: "z", paths: ["/r/z.wav"])
        list.append(start: 100, identifier: "a", paths: ["/r/a.wav"])
        list.append(start: 200, identifier: "y", paths: [])
        list.append(start: 50, identifier: "\u{e9}t\u{e9}", paths: ["/r/\u{e9}t\u{e9} \"quoted\".wav"])
        #expect(list.count == 6)
        let expected = ["/r/\u{e9}t\u{e9} \"quoted\".wav", "/r/a.wav", "/r/b-caller.wav", "/r/b-callee.wav", "/r/z.wav", "/r/c.wav"]
        #expect(list.all == expected)
        // Reading twice gives the same (the order is settled once).
        #expect(list.all == expected)
        #expect(!list.isIncomplete)
    }

    @Test func thousandsOfRecordingsInReverseComeOutSorted() throws {
        let list = try #require(RecordingFileList())
        for i in (0..<5_000).reversed() { list.append(start: Int64(i / 2), identifier: String(format: "%05d", i), paths: ["/r/\(i).wav"]) }
        #expect(list.all == (0..<5_000).map { "/r/\($0).wav" })
    }
}
