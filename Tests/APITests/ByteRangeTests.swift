@testable import API
import Testing

/// `Range: bytes=` resolution against a file size (RFC 9110 §14.1.2).
@Suite struct ByteRangeTests {
    @Test func resolvesSingleRanges() {
        #expect(ByteRange(header: nil, size: 100) == .whole)
        #expect(ByteRange(header: "bytes=0-9", size: 100) == .partial(0...9))
        #expect(ByteRange(header: "bytes=90-", size: 100) == .partial(90...99))
        #expect(ByteRange(header: "bytes=-5", size: 100) == .partial(95...99))
        #expect(ByteRange(header: "bytes=-500", size: 100) == .partial(0...99))
        #expect(ByteRange(header: "bytes=50-500", size: 100) == .partial(50...99))
        #expect(ByteRange(header: " bytes=1-2 ", size: 100) == .partial(1...2))
        #expect(ByteRange(header: "Bytes=1-2", size: 100) == .partial(1...2))
    }

    @Test func outsideTheFileIsUnsatisfiable() {
        #expect(ByteRange(header: "bytes=100-", size: 100) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=100-200", size: 100) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-0", size: 100) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=0-", size: 0) == .unsatisfiable)
        #expect(ByteRange(header: "bytes=-1", size: 0) == .unsatisfiable)
    }

    @Test func unusableHeadersAreIgnored() {
        for header in ["bytes=5-1", "bytes=0-1,3-4", "pages=1-2", "bytes=x-", "bytes=-", "bytes=--1", "bytes=1-2-3",
                       "bytes=99999999999999999999999-", "", "bytes=+1-2"] {
            #expect(ByteRange(header: header, size: 100) == .whole, "\(header)")
        }
    }
}
