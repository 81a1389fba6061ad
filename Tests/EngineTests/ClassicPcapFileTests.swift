import CalltapTestSupport
import CPcap
import Foundation
import Testing
@testable import Engine

/// A classic pcap file read by `ClassicPcapFile` gives what libpcap gives for it, frame for frame
/// (bytes and nanosecond time) and in how it ends, in both byte orders and both resolutions.
@Suite struct ClassicPcapFileTests {
    struct Frame: Equatable {
        var bytes: [UInt8]
        var nanos: Int64
    }

    /// How a reading ended: at the file's end, or cut short with libpcap's reason.
    enum Ending: Equatable {
        case end
        case truncated(String)
    }

    /// libpcap's own reading of `path`, at nanosecond precision: the oracle.
    static func throughLibpcap(_ path: String) throws -> (frames: [Frame], ending: Ending) {
        var errbuf = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE) + 1)
        let handle = try #require(pcap_open_offline_with_tstamp_precision(path, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errbuf))
        defer { pcap_close(handle) }
        var frames: [Frame] = []
        while true {
            var header: UnsafeMutablePointer<pcap_pkthdr>?
            var data: UnsafePointer<UInt8>?
            let status = pcap_next_ex(handle, &header, &data)
            if status == -2 { return (frames, .end) }
            guard status == 1, let header, let data else {
                return (frames, .truncated(String(cString: pcap_geterr(handle))))
            }
            let h = header.pointee
            let nanos = h.ts.tv_sec < 0 ? Int64.min : Int64(h.ts.tv_sec) * 1_000_000_000 + Int64(h.ts.tv_usec)
            frames.append(Frame(bytes: Array(UnsafeBufferPointer(start: data, count: Int(h.caplen))), nanos: nanos))
        }
    }

    /// `PcapSource`'s reading of `path`, and whether it read without libpcap.
    static func throughSource(_ path: String) throws -> (frames: [Frame], ending: Ending, direct: Bool) {
        let source = try PcapSource.open(file: path)
        var frames: [Frame] = []
        while true {
            switch source.read() {
            case .packet(let bytes, let nanos): frames.append(Frame(bytes: Array(bytes), nanos: nanos))
            case .end: return (frames, .end, source.readsWithoutLibpcap)
            case .truncated(let reason): return (frames, .truncated(reason), source.readsWithoutLibpcap)
            }
        }
    }

    /// The records of a little-endian microsecond file: (seconds, microseconds, captured, length, bytes).
    static func records(of file: [UInt8]) -> (header: [UInt8], records: [(UInt32, UInt32, UInt32, [UInt8])]) {
        func word(_ at: Int) -> UInt32 { file[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        var out: [(UInt32, UInt32, UInt32, [UInt8])] = []
        var at = 24
        while at + 16 <= file.count {
            let captured = Int(word(at + 8))
            out.append((word(at), word(at + 4), word(at + 12), Array(file[at + 16..<at + 16 + captured])))
            at += 16 + captured
        }
        return (Array(file[0..<24]), out)
    }

    /// A classic pcap file of `records` in the byte order and resolution asked for.
    static func file(header: [UInt8], records: [(UInt32, UInt32, UInt32, [UInt8])], bigEndian: Bool,
                     nanoseconds: Bool) -> [UInt8] {
        func word(_ v: UInt32) -> [UInt8] {
            let le = [UInt8(v & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v >> 16 & 0xFF), UInt8(v >> 24)]
            return bigEndian ? le.reversed() : le
        }
        func half(_ v: UInt16) -> [UInt8] {
            let le = [UInt8(v & 0xFF), UInt8(v >> 8)]
            return bigEndian ? le.reversed() : le
        }
        func le32(_ at: Int) -> UInt32 { header[at..<at + 4].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        func le16(_ at: Int) -> UInt16 { UInt16(header[at]) | UInt16(header[at + 1]) << 8 }
        var out = word(nanoseconds ? 0xA1B2_3C4D : 0xA1B2_C3D4) + half(le16(4)) + half(le16(6))
        out += word(le32(8)) + word(le32(12)) + word(le32(16)) + word(le32(20))
        for (seconds, fraction, length, bytes) in records {
            out += word(seconds) + word(nanoseconds ? fraction &* 1000 &+ 7 : fraction)
            out += word(UInt32(bytes.count)) + word(length) + bytes
        }
        return out
    }

    static func write(_ bytes: [UInt8], _ name: String, in dir: String) throws -> String {
        let path = dir + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Both readers on one file: the same frames, the same ending; and the direct reader took it.
    static func expectSameReading(_ path: String, _ label: String) throws {
        let oracle = try throughLibpcap(path)
        let read = try throughSource(path)
        #expect(read.direct, "\(label): read through libpcap")
        #expect(read.frames.count == oracle.frames.count, "\(label)")
        #expect(read.frames == oracle.frames, "\(label)")
        #expect(read.ending == oracle.ending, "\(label)")
    }

    @Test func everyClassicCaptureReadsAsLibpcapReadsIt() throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: RepositoryPaths.root.path + "/captures").sorted()
        var compared = 0
        for name in names where name.hasSuffix(".pcap") || name.hasSuffix(".cap") {
            let path = RepositoryPaths.capture(name)
            let head = try #require(FileHandle(forReadingAtPath: path)).readData(ofLength: 4)
            guard [UInt8](head) == [0xD4, 0xC3, 0xB2, 0xA1] else { continue }
            try Self.expectSameReading(path, name)
            compared += 1
        }
        #expect(compared > 40)
    }

    @Test func bothByteOrdersAndBothResolutionsReadAsLibpcapReadsThem() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("sipp-g711-tones.pcap"))))
        let (header, records) = Self.records(of: whole)
        #expect(records.count > 500)
        for bigEndian in [false, true] {
            for nanoseconds in [false, true] {
                let label = "\(bigEndian ? "big" : "little")-endian, \(nanoseconds ? "ns" : "µs")"
                let bytes = Self.file(header: header, records: records, bigEndian: bigEndian, nanoseconds: nanoseconds)
                let path = try Self.write(bytes, "variant.pcap", in: dir)
                let magic: [UInt8] = switch (bigEndian, nanoseconds) {
                case (false, false): [0xD4, 0xC3, 0xB2, 0xA1]
                case (true, false): [0xA1, 0xB2, 0xC3, 0xD4]
                case (false, true): [0x4D, 0x3C, 0xB2, 0xA1]
                case (true, true): [0xA1, 0xB2, 0x3C, 0x4D]
                }
                #expect(Array(bytes.prefix(4)) == magic, "\(label)")
                try Self.expectSameReading(path, label)
                // The time is the file's, to the nanosecond.
                let first = try #require(try Self.throughSource(path).frames.first)
                let expected = Int64(records[0].0) * 1_000_000_000 + Int64(records[0].1) * 1000 + (nanoseconds ? 7 : 0)
                #expect(first.nanos == expected, "\(label)")
            }
        }
    }

    @Test func aFileCutShortEndsAsLibpcapSaysAfterEveryWholeFrame() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("SIP_CALL_RTP_G711.pcap"))))
        let (header, records) = Self.records(of: whole)
        // Cuts inside a record's header, inside its frame, and on a boundary, spread over the file
        // (the reader's buffer holds 256 KiB at a time; this file is larger).
        var boundary = 24
        var cuts = [24, 24 + 7, whole.count]
        for (i, record) in records.enumerated() {
            if i % 293 == 0 { cuts += [boundary + 9, boundary + 16 + record.3.count / 2, boundary] }
            boundary += 16 + record.3.count
        }
        #expect(whole.count > ClassicPcapFile.readBytes)
        #expect(boundary == whole.count)
        for cut in cuts {
            let path = try Self.write(Array(whole.prefix(cut)), "cut.pcap", in: dir)
            try Self.expectSameReading(path, "cut at \(cut)")
        }
        // A record that says it holds more than any frame may is a corrupt file, as libpcap says.
        var corrupt = Self.file(header: header, records: Array(records.prefix(3)), bigEndian: false, nanoseconds: false)
        corrupt += Self.file(header: header, records: [(1, 2, 300_000, [UInt8](repeating: 0, count: 300_000))],
                             bigEndian: false, nanoseconds: false).dropFirst(24)
        let path = try Self.write(corrupt, "corrupt.pcap", in: dir)
        try Self.expectSameReading(path, "a record of 300,000 bytes")
        #expect(try Self.throughSource(path).frames.count == 3)
    }

    /// libpcap takes times as signed in a file of the machine's byte order, unsigned in the other.
    @Test func timesPastInt32MaxReadAsLibpcapReadsThem() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("nb6-telephone.pcap"))))
        let (header, records) = Self.records(of: whole)
        var shifted = Array(records.prefix(5))
        shifted[2].0 = 0x8000_0001
        shifted[3].1 = 0x8000_0001
        for bigEndian in [false, true] {
            for nanoseconds in [false, true] {
                let label = "\(bigEndian ? "big" : "little")-endian, \(nanoseconds ? "ns" : "µs")"
                let path = try Self.write(Self.file(header: header, records: shifted, bigEndian: bigEndian,
                                                    nanoseconds: nanoseconds), "late.pcap", in: dir)
                try Self.expectSameReading(path, label)
                let frames = try Self.throughSource(path).frames
                #expect(frames[2].nanos == (bigEndian ? 0x8000_0001 * 1_000_000_000 + Int64(shifted[2].1) * 1000
                                                            + (nanoseconds ? 7 : 0) : Int64.min), "\(label)")
            }
        }
    }

    @Test func aFrameLongerThanTheSnapshotLengthIsCutToItAsByLibpcap() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("nb6-telephone.pcap"))))
        let (header, records) = Self.records(of: whole)
        #expect(header[16..<20] == [0xFF, 0x7F, 0, 0])
        let long = (UInt32(1_388_604_230), UInt32(5), UInt32(40_000), (0..<40_000).map { UInt8(truncatingIfNeeded: $0 * 7) })
        let bytes = Self.file(header: header, records: Array(records.prefix(3)) + [long] + Array(records[3..<6]),
                              bigEndian: false, nanoseconds: false)
        let path = try Self.write(bytes, "long.pcap", in: dir)
        try Self.expectSameReading(path, "a frame of 40,000 bytes in a file of snapshot length 32,767")
        let frames = try Self.throughSource(path).frames
        #expect(frames.count == 7)
        #expect(frames[3].bytes == Array(long.3.prefix(32_767)))
        #expect(frames[4].bytes == records[3].3)
        // Cut inside what is handed out, and inside what is skipped.
        let longStart = 24 + records.prefix(3).reduce(0) { $0 + 16 + $1.3.count } + 16
        for cut in [longStart + 1_000, longStart + 32_767 + 10] {
            let cutPath = try Self.write(Array(bytes.prefix(cut)), "long-cut.pcap", in: dir)
            try Self.expectSameReading(cutPath, "cut at \(cut)")
        }
    }

    /// Record headers with bytes changed at random (a damaged or fuzzed file): wherever the
    /// reading goes, it goes there as libpcap's does.
    @Test func damagedRecordHeadersReadAsLibpcapReadsThem() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("nb6-telephone.pcap"))))
        var headerOffsets: [Int] = []
        var at = 24
        for record in Self.records(of: whole).records {
            headerOffsets.append(at)
            at += 16 + record.3.count
        }
        var generator = SeededGenerator(seed: 0x5EED_CA11_7A90)
        func random(_ bound: Int) -> Int { Int.random(in: 0..<bound, using: &generator) }
        var endings: Set<String> = []
        for round in 0..<120 {
            var damaged = whole
            for _ in 0..<(1 + random(3)) {
                let header = headerOffsets[random(headerOffsets.count)]
                damaged[header + random(16)] = UInt8(random(256))
            }
            let path = try Self.write(damaged, "damaged.pcap", in: dir)
            try Self.expectSameReading(path, "round \(round)")
            switch try Self.throughSource(path).ending {
            case .end: endings.insert("end")
            case .truncated(let reason): endings.insert(String(reason.prefix(20)))
            }
        }
        // The damage reached more than one way of ending.
        #expect(endings.count >= 2, "\(endings)")
    }

    @Test func anOlderVersionIsReadByLibpcap() throws {
        let dir = RepositoryPaths.temporaryDirectory()
        var whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: RepositoryPaths.capture("nb6-telephone.pcap"))))
        whole[6] = 3
        let path = try Self.write(whole, "v2.3.pcap", in: dir)
        let read = try Self.throughSource(path)
        #expect(!read.direct)
        #expect(read.frames == (try Self.throughLibpcap(path)).frames)
        #expect(read.frames.count == Self.records(of: whole).records.count)
    }

    @Test func pcapngAndPipesAreReadByLibpcap() throws {
        let pcapng = try Self.throughSource(RepositoryPaths.capture("b2bua-asterisk.pcapng"))
        #expect(!pcapng.direct)
        #expect(pcapng.ending == .end)
        #expect(pcapng.frames.count == (try Self.throughLibpcap(RepositoryPaths.capture("b2bua-asterisk.pcapng")).frames.count))
        // A FIFO: libpcap has read its header by the time the format is known, so libpcap reads it all.
        let dir = RepositoryPaths.temporaryDirectory()
        let fifo = dir + "/capture.fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "cat '\(RepositoryPaths.capture("nb6-telephone.pcap"))' > '\(fifo)'"]
        try writer.run()
        let piped = try Self.throughSource(fifo)
        writer.waitUntilExit()
        #expect(!piped.direct)
        #expect(piped.ending == .end)
        #expect(piped.frames == (try Self.throughLibpcap(RepositoryPaths.capture("nb6-telephone.pcap")).frames))
    }
}
