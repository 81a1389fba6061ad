/// Follows the framing of HTTP/1.1 requests over a connection's raw bytes (heads, `Content-Length`
/// bodies, chunked bodies and their trailers) just far enough to read each chunk-size line, so
/// that a chunk announced larger than the body limit is refused when its size arrives. The HTTP
/// decoder behind it streams a chunk as its bytes come and never says how large it was announced:
/// a size of 2^64 - 1 held its connection open (issue 15). Anything it cannot follow (a line
/// longer than a head may be, a size that is not hex) it leaves to the decoder from then on.
struct RequestFraming {
    enum Verdict: Equatable {
        case fine
        /// A chunk size, or the sum of a body's chunk sizes, is over the limit.
        case chunkTooLarge
    }

    private enum State: Equatable {
        case head
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        /// The line break after a chunk's data.
        case chunkDataEnd
        case trailers
        /// Given up following; the decoder judges the rest.
        case passThrough
        case refused
    }

    /// Longer than any head line the decoder accepts (80 KiB a field).
    static let maxLineBytes = 82 * 1024
    /// A chunk-size line with its extensions.
    static let maxSizeLineBytes = 1024

    let maxBodyBytes: Int
    private var state = State.head
    private var line: [UInt8] = []
    private var headLines = 0
    private var chunked = false
    private var contentLength = 0
    /// Sum of the sizes announced for the current body.
    private var announced = 0
    /// The current chunk-size line's value so far, and whether it has ended its digits.
    private var size = 0
    private var sizeDigits = 0
    private var sizeDigitsEnded = false

    init(maxBodyBytes: Int) {
        self.maxBodyBytes = maxBodyBytes
    }

    /// Reads the next bytes of the connection.
    mutating func consume(_ bytes: UnsafeRawBufferPointer) -> Verdict {
        var index = 0
        while index < bytes.count {
            switch state {
            case .passThrough:
                return .fine
            case .refused:
                return .chunkTooLarge
            case .fixedBody(let remaining):
                let skipped = min(remaining, bytes.count - index)
                index += skipped
                state = remaining == skipped ? .head : .fixedBody(remaining: remaining - skipped)
            case .chunkData(let remaining):
                let skipped = min(remaining, bytes.count - index)
                index += skipped
                state = remaining == skipped ? .chunkDataEnd : .chunkData(remaining: remaining - skipped)
            case .chunkDataEnd:
                if bytes[index] == UInt8(ascii: "\n") { state = .chunkSize }
                index += 1
            case .chunkSize:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    guard sizeDigits > 0 else { state = .passThrough; break }
                    endSizeLine()
                } else if !sizeDigitsEnded, let digit = Self.hexValue(byte) {
                    sizeDigits += 1
                    size = size > maxBodyBytes ? size : size * 16 + digit
                    if size > maxBodyBytes || announced + size > maxBodyBytes { state = .refused }
                } else {
                    sizeDigitsEnded = true
                    line.append(byte)
                    if line.count > Self.maxSizeLineBytes || sizeDigits == 0 { state = .passThrough }
                }
            case .head, .trailers:
                let byte = bytes[index]
                index += 1
                if byte == UInt8(ascii: "\n") {
                    endLine()
                } else if byte != UInt8(ascii: "\r") {
                    line.append(byte)
                    if line.count > Self.maxLineBytes { state = .passThrough }
                }
            }
        }
        return state == .refused ? .chunkTooLarge : .fine
    }

    private mutating func endSizeLine() {
        announced += size
        line.removeAll(keepingCapacity: true)
        state = size == 0 ? .trailers : .chunkData(remaining: size)
        size = 0
        sizeDigits = 0
        sizeDigitsEnded = false
    }

    /// A head or trailer line ended (without its line break).
    private mutating func endLine() {
        defer { line.removeAll(keepingCapacity: true) }
        if state == .trailers {
            if line.isEmpty { startHead() }
            return
        }
        if line.isEmpty {
            // Blank lines before a request line are skipped, as the decoder does.
            guard headLines > 0 else { return }
            if chunked {
                state = .chunkSize
                announced = 0
            } else if contentLength > 0 {
                state = .fixedBody(remaining: contentLength)
            }
            headLines = 0
            chunked = false
            contentLength = 0
            return
        }
        headLines += 1
        guard headLines > 1, let colon = line.firstIndex(of: UInt8(ascii: ":")) else { return }
        let name = String(decoding: line[..<colon], as: UTF8.self).trimmingSpaces.lowercased()
        let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces.lowercased()
        if name == "transfer-encoding" {
            chunked = value.split(separator: ",").last.map { $0.trimmingSpaces == "chunked" } ?? false
        } else if name == "content-length" {
            contentLength = Int(value) ?? 0
        }
    }

    private mutating func startHead() {
        state = .head
        headLines = 0
        chunked = false
        contentLength = 0
        announced = 0
    }

    private static func hexValue(_ byte: UInt8) -> Int? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): Int(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): Int(byte - UInt8(ascii: "a")) + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): Int(byte - UInt8(ascii: "A")) + 10
        default: nil
        }
    }
}

extension StringProtocol {
    fileprivate var trimmingSpaces: String {
        var slice = Substring(self)
        while let first = slice.first, first == " " || first == "\t" { slice.removeFirst() }
        while let last = slice.last, last == " " || last == "\t" { slice.removeLast() }
        return String(slice)
    }
}
