import Foundation

/// The folder recordings and `calltap.sqlite` live in, and how the index names files in it:
/// relative to it, so that a copy of the whole root under another path (a restore, a move to a
/// bigger disk) finds its files where it now is, not where they were written.
struct StorageRoot: Sendable {
    /// Absolute, without `.` or `..` components and without a trailing slash.
    let path: String

    init(_ path: String) {
        self.path = Self.normalized(path)
    }

    /// How the index stores `path`: relative when it is under the root, else as it is.
    func relative(_ path: String) -> String {
        let absolute = Self.normalized(path)
        return absolute.hasPrefix(self.path + "/") ? String(absolute.dropFirst(self.path.count + 1)) : path
    }

    /// How the index stores a path written under another root (before paths were relative, or
    /// by a server whose root was then copied here): its `yyyy/mm/dd/<file>` tail, the layout
    /// every root has, once the file is found there under this root. Other paths stay as they are.
    func relativeAfterMove(_ path: String) -> String {
        let own = relative(path)
        guard own.hasPrefix("/") else { return own }
        let parts = own.split(separator: "/")
        guard parts.count >= 4 else { return own }
        let tail = parts.suffix(4)
        let date = Array(tail.prefix(3))
        let isDatePath = zip(date, [4, 2, 2]).allSatisfy { part, digits in
            part.count == digits && part.allSatisfy(\.isASCII) && part.allSatisfy(\.isNumber)
        }
        guard isDatePath else { return own }
        let candidate = tail.joined(separator: "/")
        let here = self.path + "/" + candidate
        // Under this root, or nowhere (a file lost in both places stays findable by its row).
        return FileManager.default.fileExists(atPath: here) || !FileManager.default.fileExists(atPath: own)
            ? candidate : own
    }

    /// The absolute path of what the index stores.
    func resolve(_ stored: String) -> String {
        stored.hasPrefix("/") ? stored : path + "/" + stored
    }

    private static func normalized(_ path: String) -> String {
        let standardized = URL(fileURLWithPath: path).standardizedFileURL.path
        return standardized.count > 1 && standardized.hasSuffix("/") ? String(standardized.dropLast()) : standardized
    }
}
