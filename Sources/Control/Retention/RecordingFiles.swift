import Foundation

/// A swept recording's files leave the storage root: deleted, or moved to the archive root at the
/// path they had under the storage root. Each step can be done again: after a crash in the
/// middle, a file already gone (or already in the archive) counts as done. The sidecar goes
/// last, so a half-swept recording still has it.
struct RecordingFiles {
    let root: StorageRoot
    let archiveRoot: String?

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// The recording's files, audio first, then the sidecar.
    static func paths(of entry: RecordingIndexEntry) -> [String] {
        entry.audioPaths + [entry.sidecarPath]
    }

    /// Bytes the files take now (missing ones count 0).
    static func size(of entry: RecordingIndexEntry) -> Int64 {
        paths(of: entry).reduce(0) { total, path in
            total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0)
        }
    }

    /// Where `move` puts `path`.
    func archivePath(of path: String) throws(Failure) -> String {
        guard let archiveRoot else {
            throw Failure(description: "storage.retention.archiveRoot is not set: nothing can be moved")
        }
        let relative = root.relative(path)
        guard !relative.hasPrefix("/") else {
            throw Failure(description: "'\(path)' is not under the storage root '\(root.path)'")
        }
        return (archiveRoot as NSString).appendingPathComponent(relative)
    }

    /// Deletes or moves the files; `tidy` also removes the day folders this leaves empty (only
    /// for days long past: a recording opening today may be about to write into its folder).
    func apply(_ action: ArchiveAction, to entry: RecordingIndexEntry, tidy: Bool) throws(Failure) {
        for path in Self.paths(of: entry) {
            switch action {
            case .delete: try delete(path)
            case .move: try move(path, to: try archivePath(of: path))
            }
        }
        if tidy { removeEmptyFolders(above: entry.sidecarPath) }
    }

    private func delete(_ path: String) throws(Failure) {
        if unlink(path) != 0 && errno != ENOENT {
            throw Failure(description: "cannot delete '\(path)': \(String(cString: strerror(errno)))")
        }
    }

    /// Renames within a file system; across file systems copies to a temporary name beside the
    /// target, syncs it, renames it into place, then deletes the original.
    private func move(_ path: String, to target: String) throws(Failure) {
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists {
            // Moved before a crash, or lost: nothing left to move either way.
            return
        }
        let folder = (target as NSString).deletingLastPathComponent
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw Failure(description: "cannot create '\(folder)': \(error)")
        }
        if rename(path, target) == 0 { return }
        guard errno == EXDEV else {
            throw Failure(description: "cannot move '\(path)' to '\(target)': \(String(cString: strerror(errno)))")
        }
        let temporary = target + ".partial"
        do {
            if FileManager.default.fileExists(atPath: temporary) { try FileManager.default.removeItem(atPath: temporary) }
            try FileManager.default.copyItem(atPath: path, toPath: temporary)
        } catch {
            throw Failure(description: "cannot copy '\(path)' to '\(temporary)': \(error)")
        }
        let descriptor = open(temporary, O_RDONLY)
        if descriptor >= 0 {
            let synced = fsync(descriptor) == 0
            close(descriptor)
            if !synced { throw Failure(description: "cannot sync '\(temporary)': \(String(cString: strerror(errno)))") }
        }
        guard rename(temporary, target) == 0 else {
            throw Failure(description: "cannot rename '\(temporary)' to '\(target)': \(String(cString: strerror(errno)))")
        }
        try delete(path)
    }

    /// The day folders (`yyyy/mm/dd`) a sweep emptied go too; the root itself stays.
    private func removeEmptyFolders(above path: String) {
        var folder = (path as NSString).deletingLastPathComponent
        while folder.hasPrefix(root.path + "/"), rmdir(folder) == 0 {
            folder = (folder as NSString).deletingLastPathComponent
        }
    }
}
