import Foundation

/// A single `Range: bytes=…` request (RFC 9110 §14.1.2) resolved against a file's size.
/// Several ranges, other units and malformed headers are ignored as RFC 9110 allows: the whole
/// file is served with `200`.
enum ByteRange: Equatable, Sendable {
    /// No usable Range header: serve everything.
    case whole
    /// Serve these bytes with `206`.
    case partial(ClosedRange<Int>)
    /// The range lies outside the file: `416`.
    case unsatisfiable

    init(header: String?, size: Int) {
        guard let header else { self = .whole; return }
        let trimmed = header.trimmingCharacters(in: .whitespaces)
        guard trimmed.lowercased().hasPrefix("bytes=") else { self = .whole; return }
        let spec = trimmed.dropFirst("bytes=".count).trimmingCharacters(in: .whitespaces)
        guard !spec.contains(","), let dash = spec.firstIndex(of: "-") else { self = .whole; return }
        let first = spec[..<dash].trimmingCharacters(in: .whitespaces)
        let last = spec[spec.index(after: dash)...].trimmingCharacters(in: .whitespaces)
        guard first.allSatisfy(\.isASCIIDigit), last.allSatisfy(\.isASCIIDigit) else { self = .whole; return }

        switch (Int(first), Int(last)) {
        case (let start?, let end?):
            guard start <= end else { self = .whole; return }
            self = start < size ? .partial(start...min(end, size - 1)) : .unsatisfiable
        case (let start?, nil) where last.isEmpty:
            self = start < size ? .partial(start...(size - 1)) : .unsatisfiable
        case (nil, let suffix?) where first.isEmpty:
            // The last `suffix` bytes; a zero-length suffix selects nothing.
            guard suffix > 0, size > 0 else { self = .unsatisfiable; return }
            self = .partial(max(0, size - suffix)...(size - 1))
        default:
            self = .whole
        }
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { isASCII && isNumber }
}
