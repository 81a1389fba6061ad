/// A failure to create, open, write or close a sound file, with libsndfile's own words.
public enum SoundFileError: Error, Sendable, CustomStringConvertible {
    case cannotCreate(path: String, reason: String)
    case cannotOpen(path: String, reason: String)
    case writeFailed(path: String, reason: String)
    case closeFailed(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotCreate(let path, let reason): "cannot create \(path): \(reason)"
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .writeFailed(let path, let reason): "cannot write \(path): \(reason)"
        case .closeFailed(let path, let reason): "cannot close \(path): \(reason)"
        }
    }
}
