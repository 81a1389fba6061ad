import Foundation

/// Whether recordings can be written under the storage root now.
public enum StorageCheck {
    /// nil when the root exists (or can be made) and is writable; else what is wrong.
    public static func writable(_ root: String) -> String? {
        var isDirectory: ObjCBool = false
        if !FileManager.default.fileExists(atPath: root, isDirectory: &isDirectory) {
            do {
                try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
            } catch {
                return "cannot create \(root): \(error.localizedDescription)"
            }
        } else if !isDirectory.boolValue {
            return "\(root) is not a directory"
        }
        return access(root, W_OK) == 0 ? nil : "\(root) is not writable"
    }
}
