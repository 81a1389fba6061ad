@testable import API
import Testing

/// `RequestFraming` finds every chunk-size line of a connection's requests, however the bytes
/// are split, and refuses a size over the body limit as soon as its digits say so.
@Suite struct RequestFramingTests {
    /// Feeds `text` in pieces of `piece` bytes; the first piece after which the verdict was a refusal.
    func refusedAt(_ text: String, limit: Int = 100, piece: Int = .max) -> Int? {
        var framing = RequestFraming(maxBodyBytes: limit)
        let bytes = Array(text.utf8)
        var start = 0, pieceIndex = 0
        while start < bytes.count {
            let end = min(bytes.count, start + max(1, min(piece, bytes.count)))
            let verdict = bytes[start..<end].withUnsafeBytes { framing.consume($0) }
            if verdict == .chunkTooLarge { return pieceIndex }
            start = end
            pieceIndex += 1
        }
        return nil
    }

    static let chunkedHead = "POST /api/Record/StartForAgent HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"

    @Test(arguments: [1, 2, 7, 1000])
    func hugeChunkSizeIsRefusedWhateverTheSplit(piece: Int) {
        #expect(refusedAt(Self.chunkedHead + "FFFFFFFFFFFFFFFF\r\n", piece: piece) != nil)
        // Before the line ends: the digits alone say it is too large.
        #expect(refusedAt(Self.chunkedHead + "FFFFFFFFFFFFFFFF", piece: piece) != nil)
    }

    @Test func chunksWithinTheLimitPassAndTheirSumIsBounded() {
        #expect(refusedAt(Self.chunkedHead + "64\r\n" + String(repeating: "x", count: 100) + "\r\n0\r\n\r\n") == nil, "exactly the limit")
        #expect(refusedAt(Self.chunkedHead + "65\r\n") != nil, "one over")
        #expect(refusedAt(Self.chunkedHead + "32;ext=1\r\n" + String(repeating: "x", count: 50) + "\r\n33\r\n") != nil, "50 + 51 > 100")
        #expect(refusedAt(Self.chunkedHead + "0000000000000000000064\r\n") == nil, "leading zeros are not size")
    }

    @Test func chunkSizesInsideOtherBodiesAreNotRead() {
        // A Content-Length body that looks like a chunk size, then a second request on the connection.
        let fixed = "POST /a HTTP/1.1\r\nHost: h\r\nContent-Length: 18\r\n\r\nFFFFFFFFFFFFFFFF\r\n"
        #expect(refusedAt(fixed + Self.chunkedHead + "10\r\n0123456789abcdef\r\n0\r\n\r\n") == nil)
        #expect(refusedAt(fixed + Self.chunkedHead + "FFFF\r\n") != nil, "the second request's chunk is read")
        // Chunk data that looks like a size line, and trailers.
        let data = String(repeating: "F", count: 20)
        #expect(refusedAt(Self.chunkedHead + "14\r\n\(data)\r\n0\r\nX-T: 1\r\n\r\n" + Self.chunkedHead + "5\r\nhello\r\n0\r\n\r\n") == nil)
        // A request without a body, then a chunked one: its sum starts again.
        #expect(refusedAt("GET /healthz HTTP/1.1\r\nHost: h\r\n\r\n" + Self.chunkedHead + "64\r\n") == nil)
    }

    @Test func transferEncodingIsReadAsTheDecoderReadsIt() {
        #expect(refusedAt("POST / HTTP/1.1\r\ntransfer-encoding:  gzip, CHUNKED \r\n\r\nFFFFF\r\n") != nil)
        #expect(refusedAt("POST / HTTP/1.1\r\nTransfer-Encoding: chunked, gzip\r\nContent-Length: 3\r\n\r\nabc") == nil,
                "not chunked when chunked is not last")
        #expect(refusedAt("\r\n\r\n" + Self.chunkedHead + "FFFFF\r\n") != nil, "blank lines before a request are skipped")
    }

    @Test(arguments: [
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nFFFFFF\r\n",    // not hex: the decoder refuses it
        "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n\r\nFFFFFF\r\n",      // an empty size line
        "POST / HTTP/1.1\r\nContent-Length: -5\r\n\r\nFFFFFF\r\n",                   // a bad length reads as none
        "\u{0}\u{1}\u{2}\r\n\r\n\r\n:::\r\n\n\n\n",
        "POST / HTTP/1.1\r\nX: " + String(repeating: "a", count: 90 * 1024) + "\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFF\r\n",
    ])
    func malformedInputNeverTrapsAndIsLeftToTheDecoder(text: String) {
        #expect(refusedAt(text) == nil)
        #expect(refusedAt(text, piece: 3) == nil)
    }

    @Test func aHugeSizeLineOfExtensionsIsLeftToTheDecoder() {
        let extensions = "5;" + String(repeating: "e", count: 2000) + "\r\nhello\r\nFFFFFF\r\n"
        #expect(refusedAt(Self.chunkedHead + extensions) == nil)
    }
}
