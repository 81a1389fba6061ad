import CalltapTestSupport
import Foundation
import Media
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// `calltap desk-stream` as a desk application runs it: WAV files sent as paced RTP to UDP
/// sockets of the test, which check the packets and decode them with the Media decoders; and the
/// F2F start/stop around the stream against a small HTTP listener of the test.
@Suite(.serialized) struct DeskStreamTests {
    static let micHertz = 1000.0
    static let speakerHertz = 600.0
    static let amplitude = 8000.0

    /// A microphone of 3 s (44.1 kHz stereo) and a speaker of 2 s (16 kHz mono): both resampled,
    /// the speaker padded with silence to the microphone's length.
    static func writeTones(seconds: Double = 3, speakerSeconds: Double = 2) throws -> (dir: String, mic: String, speaker: String) {
        let dir = RepositoryPaths.temporaryDirectory("calltap-desk")
        let mic = dir + "/mic.wav", speaker = dir + "/speaker.wav"
        let micTone = ToneSynthesis.sine(frequency: micHertz, sampleRate: 44100, count: Int(seconds * 44100), amplitude: amplitude)
        try WAVFile.write(path: mic, interleaved: micTone.flatMap { [$0, $0] }, sampleRate: 44100, channels: 2)
        let speakerTone = ToneSynthesis.sine(frequency: speakerHertz, sampleRate: 16000, count: Int(speakerSeconds * 16000), amplitude: amplitude)
        try WAVFile.write(path: speaker, interleaved: speakerTone, sampleRate: 16000, channels: 1)
        return (dir, mic, speaker)
    }

    struct Expected {
        var payloadType: UInt8
        var timestampStep: UInt32
        var rate: Int
        var codecName: String
    }

    static let codecs: [String: Expected] = [
        "pcmu": Expected(payloadType: 0, timestampStep: 160, rate: 8000, codecName: "PCMU/8000"),
        "pcma": Expected(payloadType: 8, timestampStep: 160, rate: 8000, codecName: "PCMA/8000"),
        "g722": Expected(payloadType: 9, timestampStep: 160, rate: 16000, codecName: "G722/8000"),
        "opus": Expected(payloadType: 111, timestampStep: 960, rate: 48000, codecName: "opus/48000/2"),
    ]

    @Test(arguments: ["opus", "pcmu", "pcma", "g722"])
    func streamsEachCodecInRealTime(codec: String) throws {
        let expected = try #require(Self.codecs[codec])
        let files = try Self.writeTones()
        let mic = try UDPReceiver(), speaker = try UDPReceiver()
        let outcome = try CalltapProcess.run(["desk-stream", "--microphone", files.mic, "--speaker", files.speaker,
                                             "--to", "127.0.0.1:\(mic.port),127.0.0.1:\(speaker.port)",
                                             "--codec", codec, "--json"])
        let micPackets = mic.finish(), speakerPackets = speaker.finish()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(outcome.standardError.isEmpty)
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any])
        let streams = try #require(summary["Streams"] as? [[String: Any]])
        #expect(streams.count == 2)
        #expect(summary["Seconds"] as? Double == 3)
        #expect(summary["RecordingLocation"] is NSNull)

        for (index, (packets, hertz)) in [(micPackets, Self.micHertz), (speakerPackets, Self.speakerHertz)].enumerated() {
            let role = index == 0 ? "Microphone" : "Speaker"
            let port = index == 0 ? mic.port : speaker.port
            let stream = try #require(streams.first { $0["Source"] as? String == role })
            let rtp = packets.compactMap { RTPHeader($0.bytes) }
            #expect(rtp.count == packets.count, "\(role): packets that are not RTP")
            // 3 s at 20 ms.
            #expect(rtp.count == 150, "\(codec) \(role): \(rtp.count) packets")
            #expect(stream["Packets"] as? Int == 150)
            #expect(stream["Codec"] as? String == expected.codecName)
            #expect(stream["To"] as? String == "127.0.0.1:\(port)")
            #expect(stream["From"] as? String == "127.0.0.1:\(packets.first?.sourcePort ?? 0)")
            #expect(Set(packets.map(\.sourcePort)).count == 1)
            #expect(rtp.allSatisfy { $0.payloadType == expected.payloadType && $0.version == 2 })
            #expect(rtp.allSatisfy { UInt64($0.ssrc) == (stream["Ssrc"] as? NSNumber)?.uint64Value })
            #expect(rtp.first?.marker == true && rtp.dropFirst().allSatisfy { !$0.marker })
            #expect(zip(rtp, rtp.dropFirst()).allSatisfy { $1.sequence == $0.sequence &+ 1 }, "\(codec) \(role): sequence numbers skip")
            #expect(zip(rtp, rtp.dropFirst()).allSatisfy { $1.timestamp == $0.timestamp &+ expected.timestampStep },
                    "\(codec) \(role): timestamp steps \(Set(zip(rtp, rtp.dropFirst()).map { $1.timestamp &- $0.timestamp }))")
            // Real-time pacing: 149 intervals of 20 ms; a generous upper bound for a busy machine.
            let span = Double((packets.last?.arrival ?? 0) - (packets.first?.arrival ?? 0)) / 1e9
            #expect(span >= 2.8 && span <= 6, "\(codec) \(role): arrival span \(span) s")

            let audio = try Self.decode(packets.map { Array($0.bytes.dropFirst(12)) }, codec: codec, rate: expected.rate)
            #expect(audio.count == 3 * expected.rate, "\(codec) \(role): \(audio.count) samples")
            let rate = Double(expected.rate)
            let tone = audio[Int(0.2 * rate)..<Int(1.8 * rate)]
            // Half a second is enough to tell 5 Hz apart, and keeps the debug build's scan short.
            let frequency = ToneAnalysis.dominantFrequency(audio[Int(0.5 * rate)..<Int(1.0 * rate)], sampleRate: expected.rate, to: 3300)
            let gain = 20 * log10(ToneAnalysis.rms(tone) / (Self.amplitude / 2.squareRoot()))
            print("desk-stream \(codec) \(role.lowercased()): \(rtp.count) packets over \(String(format: "%.3f", span)) s, "
                  + "\(frequency) Hz, gain \(String(format: "%.2f", gain)) dB")
            #expect(abs(frequency - hertz) <= 5, "\(codec) \(role): \(frequency) Hz")
            #expect(abs(gain) < 1, "\(codec) \(role): level changed by \(gain) dB")
            if index == 1 {
                // The speaker's file is 2 s long: the rest of its stream is encoded silence.
                let tail = ToneAnalysis.rms(audio[Int(2.2 * rate)...])
                #expect(tail < 64, "\(codec) speaker after its file ended: RMS \(tail)")
            }
        }
    }

    @Test func startsAndStopsTheF2FRecordingAroundTheStream() throws {
        let files = try Self.writeTones(seconds: 1, speakerSeconds: 1)
        let mic = try UDPReceiver(), speaker = try UDPReceiver()
        let server = try HTTPListener(answers: [
            // No Content-Length: the body runs to the end of the connection.
            "HTTP/1.1 201 Created\r\nLocation: /api/F2F/Recordings/abc\r\nContent-Type: application/json\r\n\r\n{\"Id\": \"abc\"}",
            // Chunked, as a server may answer when it streams its body.
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "d\r\n{\"Id\": \"abc\",\r\n14\r\n \"Status\": \"WrapUp\"}\r\n0\r\n\r\n",
        ])
        let micAddress = "127.0.0.1:\(mic.port)", speakerAddress = "127.0.0.1:\(speaker.port)"
        let outcome = try CalltapProcess.run(["desk-stream", "--microphone", files.mic, "--speaker", files.speaker,
                                             "--to", "\(micAddress),\(speakerAddress)", "--codec", "g722",
                                             "--server", "http://127.0.0.1:\(server.port)", "--agent-identifier", "Phone",
                                             "--agent", "5003", "--api-key", "secret-key",
                                             "--tag", "account=123", "--tag", "branch=Lyon", "--json"])
        let micPackets = mic.finish(), speakerPackets = speaker.finish()
        let requests = server.finish()
        #expect(outcome.status == 0, "\(outcome.standardError)")
        #expect(micPackets.count == 50 && speakerPackets.count == 50)
        try #require(requests.count == 2)

        let start = requests[0]
        #expect(start.requestLine == "POST /api/F2F/Recordings HTTP/1.1")
        #expect(start.header("Authorization") == "Bearer secret-key")
        #expect(start.header("Content-Type") == "application/json")
        let body = try #require(try JSONSerialization.jsonObject(with: Data(start.body)) as? [String: Any])
        #expect(body["AgentIdentifier"] as? String == "Phone")
        #expect(body["Value"] as? String == "5003")
        #expect(body["Media"] as? String == "Audio")
        #expect(body["AudioSource"] as? String == "Both")
        #expect(body["StartedBy"] as? String == "Desktop")
        #expect(body["Tags"] as? [String: String] == ["account": "123", "branch": "Lyon"])
        let streams = try #require(body["Streams"] as? [[String: String]])
        #expect(streams == [["Source": "Microphone", "Address": micAddress, "Codec": "G722/8000"],
                            ["Source": "Speaker", "Address": speakerAddress, "Codec": "G722/8000"]])

        let stop = requests[1]
        #expect(stop.requestLine == "POST /api/F2F/Recordings/abc/Stop HTTP/1.1")
        #expect(stop.header("Authorization") == "Bearer secret-key")
        let stopBody = try #require(try JSONSerialization.jsonObject(with: Data(stop.body)) as? [String: String])
        #expect(stopBody == ["Controller": "Desktop"])

        // The recording is started before the first packet and stopped after the last. The
        // arrivals are stamped by this test's own reader threads, which a loaded machine schedules
        // late by some microseconds (CI once saw the stop 26 µs "before" the last packet); a
        // client that started or stopped out of order would be a whole packet time (20 ms) off.
        let firstPacket = min(micPackets.first?.arrival ?? 0, speakerPackets.first?.arrival ?? 0)
        let lastPacket = max(micPackets.last?.arrival ?? 0, speakerPackets.last?.arrival ?? 0)
        let readerJitter: Int64 = 5_000_000
        #expect(start.arrival < firstPacket + readerJitter, "start \(start.arrival), first packet \(firstPacket)")
        #expect(stop.arrival > lastPacket - readerJitter, "stop \(stop.arrival), last packet \(lastPacket)")
        let summary = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        #expect(summary?["RecordingLocation"] as? String == "/api/F2F/Recordings/abc")
    }

    @Test func refusedStartSendsNothingAndExitsOne() throws {
        let files = try Self.writeTones(seconds: 1, speakerSeconds: 1)
        let mic = try UDPReceiver()
        let refusal = #"{"Code": "conflict", "Message": "agent 2 already has an active F2F recording"}"#
        let server = try HTTPListener(answers: [
            // Chunked, cut inside the JSON: the message must come out whole.
            "HTTP/1.1 409 Conflict\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
                + "\(String(20, radix: 16))\r\n\(refusal.prefix(20))\r\n"
                + "\(String(refusal.utf8.count - 20, radix: 16))\r\n\(refusal.dropFirst(20))\r\n0\r\n\r\n",
        ])
        let outcome = try CalltapProcess.run(["desk-stream", "--microphone", files.mic, "--to", "127.0.0.1:\(mic.port)",
                                             "--codec", "pcma", "--server", "http://127.0.0.1:\(server.port)",
                                             "--agent-identifier", "id", "--agent", "2"])
        let packets = mic.finish(), requests = server.finish()
        #expect(outcome.status == 1)
        #expect(outcome.standardError.contains(refusal), "\(outcome.standardError)")
        #expect(outcome.standardError.contains("409"))
        #expect(packets.isEmpty)
        try #require(requests.count == 1)
        let body = try JSONSerialization.jsonObject(with: Data(requests[0].body)) as? [String: Any]
        #expect(body?["AgentIdentifier"] as? String == "Id")
        #expect(body?["AudioSource"] as? String == "Microphone")
        #expect((body?["Streams"] as? [[String: String]])?.map { $0["Source"] } == ["Microphone"])
        #expect(requests[0].header("Authorization") == nil)
    }

    @Test func interruptStopsTheStreamAndStillStopsTheRecording() throws {
        let files = try Self.writeTones(seconds: 5, speakerSeconds: 5)
        let mic = try UDPReceiver(), speaker = try UDPReceiver()
        let server = try HTTPListener(answers: [
            "HTTP/1.1 201 Created\r\nLocation: /api/F2F/Recordings/xyz\r\nContent-Length: 0\r\n\r\n",
            "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}",
        ])
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CalltapProcess.binary)
        process.arguments = ["desk-stream", "--microphone", files.mic, "--speaker", files.speaker,
                             "--to", "127.0.0.1:\(mic.port),127.0.0.1:\(speaker.port)",
                             "--codec", "pcmu", "--server", "http://127.0.0.1:\(server.port)",
                             "--agent-identifier", "Phone", "--agent", "5003", "--json"]
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        // Interrupt once the stream is well under way (not on a timer: on packets seen).
        let deadline = Date().addingTimeInterval(10)
        while mic.count < 50 && Date() < deadline { usleep(10_000) }
        process.interrupt()
        let output = out.fileHandleForReading.readDataToEndOfFile()
        _ = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let packets = mic.finish() + speaker.finish(), requests = server.finish()
        #expect(process.terminationStatus == 130)
        // Interrupted: fewer than the 2 × 250 packets of the whole files.
        #expect(packets.count >= 100 && packets.count < 500, "\(packets.count) packets")
        #expect(requests.map(\.requestLine) == ["POST /api/F2F/Recordings HTTP/1.1", "POST /api/F2F/Recordings/xyz/Stop HTTP/1.1"])
        let summary = try JSONSerialization.jsonObject(with: output) as? [String: Any]
        let counts = (summary?["Streams"] as? [[String: Any]])?.compactMap { $0["Packets"] as? Int } ?? []
        #expect(counts.reduce(0, +) == packets.count)
        #expect(Set(packets.map(\.sourcePort)).count == 2)
    }

    @Test func badInputExitsTwoWithOneLine() throws {
        let files = try Self.writeTones(seconds: 0.2, speakerSeconds: 0.2)
        let missing = files.dir + "/missing.wav"
        let cases: [([String], String)] = [
            (["--microphone", missing, "--to", "127.0.0.1:4000", "--codec", "pcmu"], "cannot read \(missing)"),
            (["--microphone", files.mic, "--to", "127.0.0.1", "--codec", "pcmu"], "bad address 127.0.0.1"),
            (["--microphone", files.mic, "--to", "127.0.0.1:70000", "--codec", "pcmu"], "bad address 127.0.0.1:70000"),
            (["--microphone", files.mic, "--to", "127.0.0.1:4000", "--codec", "g729"], "unknown codec g729"),
            (["--microphone", files.mic, "--to", "127.0.0.1:4000", "--codec", "opus", "--ptime", "30"], "--ptime 30"),
            (["--microphone", files.mic, "--to", "127.0.0.1:4000", "--codec", "pcmu", "--server", "http://127.0.0.1:1"],
             "--server needs --agent-identifier and --agent"),
            (["--microphone", files.mic, "--speaker", files.speaker, "--to", "127.0.0.1:4000", "--codec", "pcmu",
              "--server", "http://127.0.0.1:1", "--agent-identifier", "Id", "--agent", "2"], "needs two --to addresses"),
        ]
        for (arguments, message) in cases {
            let outcome = try CalltapProcess.run(["desk-stream"] + arguments)
            #expect(outcome.status == 2, "\(arguments): \(outcome.standardError)")
            #expect(outcome.standardOutput.isEmpty)
            #expect(outcome.standardError.hasPrefix("calltap: ") && outcome.standardError.contains(message), "\(outcome.standardError)")
            #expect(outcome.standardError.split(separator: "\n").count == 1, "\(outcome.standardError)")
        }
    }

    /// Decodes the payloads of one stream, in order, with the Media module's decoders.
    static func decode(_ payloads: [[UInt8]], codec: String, rate: Int) throws -> [Int16] {
        var output: [Int16] = []
        var buffer = [Int16](repeating: 0, count: rate * 120 / 1000)
        let g722 = G722Decoder()
        let opus = try #require(OpusDecoder(sampleRate: rate))
        for payload in payloads {
            let n = payload.withUnsafeBytes { bytes in
                buffer.withUnsafeMutableBufferPointer { out -> Int in
                    switch codec {
                    case "pcmu":
                        G711.expand(bytes, table: G711.muLawTable, into: out.baseAddress!, stride: 1)
                        return bytes.count
                    case "pcma":
                        G711.expand(bytes, table: G711.aLawTable, into: out.baseAddress!, stride: 1)
                        return bytes.count
                    case "g722":
                        return g722.decode(bytes, into: out.baseAddress!, capacity: out.count)
                    default:
                        return opus.decode(bytes, into: out.baseAddress!, capacity: out.count)
                    }
                }
            }
            output += buffer.prefix(n)
        }
        return output
    }
}

extension DeskStreamTests {
    /// The fixed RTP header (RFC 3550) of a received packet.
    struct RTPHeader {
        var version: UInt8
        var marker: Bool
        var payloadType: UInt8
        var sequence: UInt16
        var timestamp: UInt32
        var ssrc: UInt32

        init?(_ bytes: [UInt8]) {
            guard bytes.count >= 12 else { return nil }
            version = bytes[0] >> 6
            marker = bytes[1] & 0x80 != 0
            payloadType = bytes[1] & 0x7F
            sequence = UInt16(bytes[2]) << 8 | UInt16(bytes[3])
            timestamp = bytes[4..<8].reduce(0) { $0 << 8 | UInt32($1) }
            ssrc = bytes[8..<12].reduce(0) { $0 << 8 | UInt32($1) }
        }
    }

    /// CLOCK_MONOTONIC in nanoseconds: the clock the streamer paces by.
    static func monotonicNanos() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1_000_000_000 + Int64(ts.tv_nsec)
    }

    /// A UDP socket on 127.0.0.1 (a free port) that records every datagram with its arrival time,
    /// on a thread of its own, until `finish`.
    final class UDPReceiver: @unchecked Sendable {
        struct Packet {
            var arrival: Int64
            var sourcePort: Int
            var bytes: [UInt8]
        }

        let port: Int
        private let fd: Int32
        private let lock = NSLock()
        private var packets: [Packet] = []
        private var stopping = false
        private let done = DispatchSemaphore(value: 0)

        init() throws {
            let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            self.fd = fd
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            address.sin_port = 0
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
            }
            guard bound else { throw TestSupportError("cannot bind a UDP socket") }
            port = Int(UInt16(bigEndian: address.sin_port))
            var timeout = timeval(tv_sec: 0, tv_usec: 50_000)
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
            var size: Int32 = 4 << 20
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
            Thread.detachNewThread { [self] in receive() }
        }

        var count: Int { lock.withLock { packets.count } }

        private func receive() {
            var buffer = [UInt8](repeating: 0, count: 2048)
            while !lock.withLock({ stopping }) {
                var from = sockaddr_in()
                var length = socklen_t(MemoryLayout<sockaddr_in>.size)
                let n = buffer.withUnsafeMutableBytes { bytes in
                    withUnsafeMutablePointer(to: &from) {
                        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { recvfrom(fd, bytes.baseAddress, bytes.count, 0, $0, &length) }
                    }
                }
                guard n > 0 else { continue }
                let packet = Packet(arrival: DeskStreamTests.monotonicNanos(), sourcePort: Int(UInt16(bigEndian: from.sin_port)), bytes: Array(buffer.prefix(n)))
                lock.withLock { packets.append(packet) }
            }
            done.signal()
        }

        /// Stops receiving (after what is already queued) and returns every packet in arrival order.
        func finish() -> [Packet] {
            // Whatever the kernel still holds is read before the flag is seen: the loop only stops
            // after a read that timed out.
            usleep(200_000)
            lock.withLock { stopping = true }
            done.wait()
            close(fd)
            return lock.withLock { packets }
        }
    }

    /// A tiny HTTP/1.1 server on 127.0.0.1 that answers its connections, one each, with the given
    /// raw responses in order, and records the requests it read.
    final class HTTPListener: @unchecked Sendable {
        struct Request {
            var arrival: Int64
            var requestLine: String
            var headers: [(String, String)]
            var body: [UInt8]

            func header(_ name: String) -> String? {
                headers.first { $0.0.lowercased() == name.lowercased() }?.1
            }
        }

        let port: Int
        private let fd: Int32
        private let lock = NSLock()
        private var requests: [Request] = []
        private let done = DispatchSemaphore(value: 0)

        init(answers: [String]) throws {
            let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
            self.fd = fd
            var yes: Int32 = 1
            setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, socklen_t(MemoryLayout<Int32>.size))
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let bound = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    bind(fd, $0, length) == 0 && listen(fd, 4) == 0 && getsockname(fd, $0, &length) == 0
                }
            }
            guard bound else { throw TestSupportError("cannot listen on a TCP port") }
            port = Int(UInt16(bigEndian: address.sin_port))
            Thread.detachNewThread { [self] in serve(answers) }
        }

        private func serve(_ answers: [String]) {
            for answer in answers {
                var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                // The client may never come (a test of bad input): give up after a while.
                guard poll(&poller, 1, 20_000) > 0 else { break }
                let client = accept(fd, nil, nil)
                guard client >= 0 else { break }
                var timeout = timeval(tv_sec: 10, tv_usec: 0)
                setsockopt(client, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                if let request = Self.read(client) { lock.withLock { requests.append(request) } }
                _ = Array(answer.utf8).withUnsafeBytes { send(client, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
                close(client)
            }
            done.signal()
        }

        private static func read(_ client: Int32) -> Request? {
            var data: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            var arrival: Int64 = 0
            func fill() -> Bool {
                let n = chunk.withUnsafeMutableBytes { recv(client, $0.baseAddress, $0.count, 0) }
                if n > 0 { data += chunk.prefix(n); if arrival == 0 { arrival = DeskStreamTests.monotonicNanos() } }
                return n > 0
            }
            let separator: [UInt8] = [13, 10, 13, 10]
            var headEnd: Int?
            while headEnd == nil {
                guard fill() else { return nil }
                headEnd = data.indices.first { data[$0...].starts(with: separator) }
            }
            let head = String(decoding: data[..<headEnd!], as: UTF8.self).components(separatedBy: "\r\n")
            let headers = head.dropFirst().compactMap { line -> (String, String)? in
                guard let colon = line.firstIndex(of: ":") else { return nil }
                return (String(line[..<colon]), line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces))
            }
            let length = Int(headers.first { $0.0.lowercased() == "content-length" }?.1 ?? "0") ?? 0
            let bodyStart = headEnd! + 4
            while data.count < bodyStart + length { guard fill() else { break } }
            return Request(arrival: arrival, requestLine: head.first ?? "", headers: headers,
                           body: Array(data[min(bodyStart, data.count)..<min(bodyStart + length, data.count)]))
        }

        /// Waits for the answers to be given (or the listener to give up) and returns the requests.
        func finish() -> [Request] {
            done.wait()
            close(fd)
            return lock.withLock { requests }
        }
    }

    /// 16-bit PCM WAV files, written by hand so the test depends on nothing but the bytes.
    enum WAVFile {
        static func write(path: String, interleaved samples: [Int16], sampleRate: Int, channels: Int) throws {
            func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
            func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
            let dataBytes = samples.count * 2
            var bytes = Array("RIFF".utf8) + le32(36 + dataBytes) + Array("WAVE".utf8)
            bytes += Array("fmt ".utf8) + le32(16) + le16(1) + le16(channels) + le32(sampleRate)
            bytes += le32(sampleRate * channels * 2) + le16(channels * 2) + le16(16)
            bytes += Array("data".utf8) + le32(dataBytes)
            bytes.reserveCapacity(bytes.count + dataBytes)
            for s in samples { bytes += le16(Int(s)) }
            try Data(bytes).write(to: URL(fileURLWithPath: path))
        }
    }
}
