import Foundation
import Synchronization
import Testing
@testable import Media

/// FileDigest reads every file through one buffer per thread: each digest must be that of its own
/// file's bytes alone, whatever the thread read before, checked against coreutils' `sha256sum`.
@Suite struct FileDigestTests {
    /// Sizes around the read size, where a reused buffer would show stale bytes.
    static let sizes = [0, 1, FileDigest.chunkBytes - 1, FileDigest.chunkBytes, FileDigest.chunkBytes + 1,
                        3 * FileDigest.chunkBytes + 12345]

    private func makeFiles(in folder: String) throws -> [String] {
        var generator = SystemRandomNumberGenerator()
        // Largest first, so that every smaller file is read into a buffer a larger one filled.
        return try Self.sizes.sorted(by: >).enumerated().map { i, size in
            let path = "\(folder)/file-\(i)-\(size).bin"
            let bytes = (0..<size).map { _ in UInt8.random(in: 0...255, using: &generator) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            return path
        }
    }

    private func sha256sum(_ path: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sha256sum")
        process.arguments = [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: output, as: UTF8.self).split(separator: " ").first.map(String.init) ?? ""
    }

    @Test func eachDigestIsItsOwnFilesOnOneThreadAfterAnother() throws {
        let folder = NSTemporaryDirectory() + "filedigest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try makeFiles(in: folder)
        for path in files + files.reversed() {
            #expect(try FileDigest.sha256(path: path) == (try sha256sum(path)), "\(path)")
        }
    }

    @Test func threadsHashingAtOnceEachGetTheirOwnFilesDigest() throws {
        let folder = NSTemporaryDirectory() + "filedigest-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let files = try makeFiles(in: folder)
        let expected = try files.map { try sha256sum($0) }
        let rounds = 20
        let results = Mutex([String](repeating: "", count: files.count * rounds))
        DispatchQueue.concurrentPerform(iterations: files.count * rounds) { i in
            let digest = (try? FileDigest.sha256(path: files[i % files.count])) ?? "error"
            results.withLock { $0[i] = digest }
        }
        let digests = results.withLock { $0 }
        for i in digests.indices {
            #expect(digests[i] == expected[i % files.count], "\(files[i % files.count])")
        }
    }
}
