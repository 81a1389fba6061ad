import Control
import Foundation

/// What the tools that read a server's storage (`sweep`, `export`) do first: read the
/// configuration, then open the recordings index under its storage root, which must be there.
enum StorageIndex {
    static func open(config: String) throws -> (configuration: ServerConfiguration, store: SQLiteTrackerStore) {
        let configuration: ServerConfiguration
        do {
            configuration = try ConfigurationFile.load(path: config)
        } catch {
            throw CommandFailure.exit(error.description)
        }
        let root = configuration.engine.storageRoot
        let path = (root as NSString).appendingPathComponent(SQLiteTrackerStore.fileName)
        guard FileManager.default.fileExists(atPath: path) else {
            throw CommandFailure.exit("no recordings index under \(root) (\(path) does not exist)")
        }
        do {
            return (configuration, try SQLiteTrackerStore(path: path))
        } catch {
            throw CommandFailure.exit("cannot open \(path): \(error)")
        }
    }
}
