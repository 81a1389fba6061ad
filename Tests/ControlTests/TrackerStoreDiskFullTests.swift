import CalltapTestSupport
import Engine
import Foundation
import GRDB
import Logging
import Testing
@testable import Control

/// The tracker's store on a small tmpfs that another process fills: writes a full disk refuses
/// wait (and say so) instead of being lost, and reach the file once there is room; with a
/// storage reserve, the reserve is given up and they go through at once. Needs root (mount).
@Suite(.serialized) struct TrackerStoreDiskFullTests {
    static let rowsWritten = 400

    /// A tmpfs of `mebibytes` mounted at a new folder; unmounted by `unmount`.
    static func smallDisk(_ label: String, mebibytes: Int = 1) throws -> String {
        let dir = RepositoryPaths.temporaryDirectory(label)
        let root = dir + "/root"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let status = try ChildProcess.run(["/bin/mount", "-t", "tmpfs", "-o", "size=\(mebibytes)m", "tmpfs", root],
                                          logPath: dir + "/mount.log", timeout: 10)
        guard status == 0 else { throw TestSupportError("mount tmpfs at \(root) failed (\(status))") }
        return root
    }

    static func unmount(_ root: String) {
        _ = try? ChildProcess.run(["/bin/umount", "-l", root], logPath: "/dev/null", timeout: 10)
    }

    /// Fills the file system of `root` to its last block; returns the filler's path.
    static func fill(_ root: String) throws -> String {
        let filler = root + "/filler"
        let status = try ChildProcess.run(["/bin/dd", "if=/dev/zero", "of=\(filler)", "bs=64k"], logPath: "/dev/null", timeout: 30)
        guard status != 0 else { throw TestSupportError("dd did not fill \(root)") }
        return filler
    }

    static func entry(_ n: Int) -> RecordingIndexEntry {
        RecordingIndexEntry(
            recordingIdentifier: String(format: "rec-%05d", n), callInstance: "call-\(n)@pbx", agentId: 7,
            isDuplicate: false, segment: 0, startNanos: 1_700_000_000_000_000_000 + Int64(n) * 1_000_000_000,
            endNanos: 1_700_000_000_000_000_000 + Int64(n + 1) * 1_000_000_000,
            state: "Stopped", endReason: "bye", sidecarPath: "2026/12/04/rec-\(n).json",
            audioPaths: ["2026/12/04/rec-\(n).wav"], format: "wav", sampleRate: 8000,
            channelRoles: ["caller", "callee"], metadata: ["ani": "5003", "dnis": "4000", "note": String(repeating: "x", count: 200)])
    }

    static func rowCount(_ root: String) throws -> Int {
        let queue = try DatabaseQueue(path: root + "/" + SQLiteTrackerStore.fileName)
        return try queue.read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM recordings") ?? -1 }
    }

    @Test func writesThatFindTheDiskFullWaitForRoomAndAreNotLost() async throws {
        let root = try Self.smallDisk("calltap-store-full")
        defer { Self.unmount(root) }
        let store = try SQLiteTrackerStore(storageRoot: root)
        let filler = try Self.fill(root)

        for n in 0..<Self.rowsWritten { store.saveRecording(Self.entry(n)) }
        store.flush()
        #expect(store.writesWaitingForSpace > 0, "a full disk must hold writes back")
        #expect(store.failedWrites == 0, "nothing is given up for a full disk")
        let waiting = store.writesWaitingForSpace

        // Room again: the waiting writes reach the file by themselves.
        try FileManager.default.removeItem(atPath: filler)
        _ = try await Deadline.poll("the waiting writes to be committed", timeout: 15) {
            store.writesWaitingForSpace == 0 ? true : nil
        }
        store.flush()
        let count = try Self.rowCount(root)
        #expect(count == Self.rowsWritten, "\(waiting) writes waited")
        #expect(store.failedWrites == 0)
    }

    @Test func theStorageReserveIsGivenUpForTheIndex() async throws {
        let root = try Self.smallDisk("calltap-store-reserve", mebibytes: 2)
        defer { Self.unmount(root) }
        let reserve = StorageReserve(root: root, bytes: 1 << 20, logger: Logger(label: "test"))
        #expect(reserve.make())
        let store = try SQLiteTrackerStore(storageRoot: root, reserve: reserve)
        _ = try Self.fill(root)

        for n in 0..<Self.rowsWritten { store.saveRecording(Self.entry(n)) }
        store.flush()
        #expect(reserve.releaseCount == 1)
        #expect(!reserve.isHeld)
        #expect(store.writesWaitingForSpace == 0)
        #expect(try Self.rowCount(root) == Self.rowsWritten)
    }
}
