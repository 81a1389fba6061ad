import Foundation

/// The sqlite3 command-line tool, as an operator reads a server's database beside it.
public enum SQLiteShell {
    /// Rows of `query` on the database at `path`, opened read-only, `|`-separated.
    public static func rows(_ path: String, _ query: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sqlite3")
        process.arguments = ["-readonly", path, query]
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSupportError("sqlite3 failed on \(path)") }
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
