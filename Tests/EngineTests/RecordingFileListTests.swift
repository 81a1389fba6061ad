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

    /// More recordings than one run holds, in an order far from sorted: the spilled runs and the
    /// one in memory merge into one order, with starts that tie across runs.
    @Test func runsSpilledToDiskMergeIntoOneOrder() throws {
        let list = try #require(RecordingFileList())
        let n = RecordingFileList.runLength * 3 + 123
        var order = Array(0..<n)
        var state: UInt64 = 42
        for i in order.indices.reversed() {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            order.swapAt(i, Int(state >> 33) % (i + 1))
        }
        for i in order { list.append(start: Int64(i / 3), identifier: String(format: "%06d", i), paths: ["/r/\(i).wav"]) }
        #expect(list.count == n)
        #expect(list.all == (0..<n).map { "/r/\($0).wav" })
    }
}
