/// Why an interrupted recording could not be closed: its sidecar could not be written. (Audio
/// that cannot be repaired is not an error: the sidecar's `EndReason` says what is wrong with it.)
public enum InterruptedRecordingError: Error, Sendable, CustomStringConvertible {
    case cannotWriteSidecar(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotWriteSidecar(let path, let reason): "cannot write the sidecar \(path): \(reason)"
        }
    }
}
