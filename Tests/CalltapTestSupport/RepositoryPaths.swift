import Foundation

/// Where the repository's captures and the built binary are, for tests.
public enum RepositoryPaths {
    public static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        return URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
    }()

    /// A capture under `captures/`.
    public static func capture(_ name: String) -> String {
        root.appendingPathComponent("captures").appendingPathComponent(name).path
    }

    /// A fresh, empty temporary folder.
    public static func temporaryDirectory(_ label: String = "calltap") -> String {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("\(label)-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url.path
    }

    /// Every file under `directory` with the extension, sorted.
    public static func files(under directory: String, withExtension ext: String) -> [String] {
        guard let e = FileManager.default.enumerator(atPath: directory) else { return [] }
        return e.compactMap { $0 as? String }.filter { $0.hasSuffix("." + ext) }.map { directory + "/" + $0 }.sorted()
    }
}
