import CalltapTestSupport
import Engine
import Foundation

/// Builds a capture of one SIP call between 10.0.0.1 (caller, RTP 4000) and 10.0.0.2 (callee,
/// RTP 5000) packet by packet, for the corner cases no public capture has. Calls with other
/// addresses can be written into one capture by handing `pcap` from one to the next.
struct SyntheticCall {
    var pcap = CaptureFileWriter()
    let t0: Int64 = 1_700_000_000_000_000_000
    let callID: String
    let caller: String, callee: String
    /// The SDP's media transport (`RTP/SAVP` declares SRTP).
    var transport = "RTP/AVP"

    init(callID: String = "synthetic@10.0.0.1", caller: String = "10.0.0.1", callee: String = "10.0.0.2") {
        self.callID = callID
        self.caller = caller
        self.callee = callee
    }

    func at(_ seconds: Double) -> Int64 { t0 + Int64((seconds * 1e9).rounded()) }

    func sdp(_ ip: String, _ port: Int) -> String {
        "v=0\no=- 1 1 IN IP4 \(ip)\ns=-\nc=IN IP4 \(ip)\nt=0 0\nm=audio \(port) \(transport) 0 13\na=rtpmap:0 PCMU/8000\na=rtpmap:13 CN/8000\n"
    }

    func headers(toTag: String?, cseq: String, fromCallee: Bool = false) -> String {
        let from = fromCallee ? "<sip:2002@\(callee)>;tag=b2" : "<sip:1001@\(caller)>;tag=a1"
        let to = fromCallee ? "<sip:1001@\(caller)>;tag=a1" : "<sip:2002@\(callee)>" + (toTag.map { ";tag=\($0)" } ?? "")
        return "Via: SIP/2.0/UDP \(caller):5060;branch=z9hG4bK\(cseq.hashValue & 0xFFFF)\nFrom: \(from)\nTo: \(to)\nCall-ID: \(callID)\nCSeq: \(cseq)"
    }

    mutating func invite(_ t: Double) {
        pcap.sip(at(t), from: "\(caller):5060", to: "\(callee):5060",
                 "INVITE sip:2002@\(callee) SIP/2.0\n\(headers(toTag: nil, cseq: "1 INVITE"))\nContent-Type: application/sdp", body: sdp(caller, 4000))
    }

    mutating func response(_ t: Double, _ status: String, sdp withSDP: Bool = true, cseq: String = "1 INVITE") {
        pcap.sip(at(t), from: "\(callee):5060", to: "\(caller):5060",
                 "SIP/2.0 \(status)\n\(headers(toTag: "b2", cseq: cseq))" + (withSDP ? "\nContent-Type: application/sdp" : ""),
                 body: withSDP ? sdp(callee, 5000) : "")
    }

    mutating func request(_ t: Double, _ method: String, cseq: Int, toTag: String? = "b2") {
        pcap.sip(at(t), from: "\(caller):5060", to: "\(callee):5060",
                 "\(method) sip:2002@\(callee) SIP/2.0\n\(headers(toTag: toTag, cseq: "\(cseq) \(method)"))")
    }

    /// 20 ms packets of a tone from one side; `sequence`, `timestamp` and `ssrc` per packet may be overridden.
    mutating func media(from side: Int, seconds: ClosedRange<Double>, hz: Double,
                        sequence: (Int) -> UInt16 = { UInt16(truncatingIfNeeded: $0) },
                        timestamp: (Int) -> UInt32 = { UInt32(truncatingIfNeeded: $0 * 160) },
                        ssrc: (Int) -> UInt32 = { _ in 7 }, captureTime: ((Int) -> Double)? = nil) {
        let (from, to) = side == 0 ? ("\(caller):4000", "\(callee):5000") : ("\(callee):5000", "\(caller):4000")
        let count = Int(((seconds.upperBound - seconds.lowerBound) / 0.02).rounded())
        for i in 0..<count {
            let samples = ToneSynthesis.sine(frequency: hz, offset: i * 160, count: 160).map(ToneSynthesis.muLaw)
            let time = captureTime?(i) ?? (seconds.lowerBound + Double(i) * 0.02)
            pcap.udp(at(time), from: from, to: to, payload: ToneSynthesis.rtp(payloadType: 0, sequence: sequence(i),
                                                                             timestamp: timestamp(i), ssrc: ssrc(i) + UInt32(side), payload: samples))
        }
    }

    /// A receiver report from a side's RTCP port (RTP's + 1) to the other's, from the side's SSRC
    /// (7 or 8), with a block about `about` when given (cumulative loss 5).
    mutating func rtcp(_ t: Double, from side: Int = 0, about: UInt32? = nil, fractionLost: UInt8 = 0, jitter: UInt32 = 0) {
        let (from, to) = side == 0 ? ("\(caller):4001", "\(callee):5001") : ("\(callee):5001", "\(caller):4001")
        var payload: [UInt8] = [about == nil ? 0x80 : 0x81, 201, 0, about == nil ? 1 : 7, 0, 0, 0, UInt8(7 + side)]
        if let about {
            func be32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)] }
            payload += be32(about) + [fractionLost, 0, 0, 5] + be32(1000) + be32(jitter) + be32(0) + be32(0)
        }
        pcap.udp(at(t), from: from, to: to, payload: payload)
    }

    /// Writes the capture and replays it.
    func replay(inTimeOrder: Bool = true, configure: (inout EngineConfiguration) -> Void = { _ in }) throws -> (ReplaySummary, [RecordedCall]) {
        let dir = RepositoryPaths.temporaryDirectory("calltap-synthetic")
        try pcap.write(to: dir + "/call.pcap", inTimeOrder: inTimeOrder)
        var configuration = EngineConfiguration()
        configuration.storageRoot = dir + "/out"
        configure(&configuration)
        let summary = CaptureEngine(configuration: configuration).replay(try PcapSource.open(file: dir + "/call.pcap"))
        return (summary, try RecordedCall.all(under: dir + "/out"))
    }
}
