/// Why a packet source could not be opened.
public enum CaptureError: Error, Sendable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case notACapture(path: String, reason: String)
    case unsupportedLinkType(path: String, linkType: String)
    /// A live interface could not be opened or configured (no such device, no permission, a bad filter).
    case liveCapture(interface: String, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): "cannot open \(path): \(reason)"
        case .notACapture(let path, let reason): "\(path) is not a readable capture file: \(reason)"
        case .unsupportedLinkType(let path, let linkType): "\(path): unsupported link type \(linkType)"
        case .liveCapture(let interface, let reason): "cannot capture on \(interface): \(reason)"
        }
    }
}
