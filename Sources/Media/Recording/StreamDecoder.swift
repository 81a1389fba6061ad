/// Turns one stream's payloads of one codec into audio at the recording's rate: the codec
/// library's state, a resampler when the codec's rate is not the file's, and buffers allocated
/// once. A lost packet before a new one is recovered where the codec can (Opus in-band FEC,
/// G.729 concealment); otherwise the gap stays silence.
final class StreamDecoder {
    let codec: Codec
    let decodedRate: Int
    let clockRate: Int
    let resampler: Resampler?
    private let table: UnsafePointer<Int16>?
    private let g722: G722Decoder?
    private let g729: G729Decoder?
    private let opus: OpusDecoder?
    private let l16: L16Decoder?
    private let decoded: UnsafeMutablePointer<Int16>
    private let decodedCapacity: Int
    private let output: UnsafeMutablePointer<Int16>
    private let outputCapacity: Int
    private var lastSequence: UInt16 = 0
    private var lastTimestamp: UInt32 = 0
    private var lastUnits = 0
    private var hasLast = false

    /// The longest gap recovered (longer ones are silence: concealment fades out anyway).
    static let maxRecoveredSeconds = 0.12

    init?(codec: Codec, fileRate: Int) {
        self.codec = codec
        clockRate = codec.rtpClockRate
        var table: UnsafePointer<Int16>?
        var g722: G722Decoder?, g729: G729Decoder?, opus: OpusDecoder?, l16: L16Decoder?
        var rate = codec.decodedSampleRate ?? fileRate
        switch codec {
        case .pcmu: table = G711.muLawTable
        case .pcma: table = G711.aLawTable
        case .g722: g722 = G722Decoder()
        case .g729: g729 = G729Decoder()
        case .opus:
            // Opus decodes straight at the file's rate: no resampling.
            guard let d = OpusDecoder(sampleRate: fileRate) else { return nil }
            opus = d
            rate = fileRate
        case .l16(_, let channels): l16 = L16Decoder(channels: channels)
        case .comfortNoise, .telephoneEvent, .unsupported: return nil
        }
        self.table = table
        self.g722 = g722
        self.g729 = g729
        self.opus = opus
        self.l16 = l16
        decodedRate = rate
        resampler = rate == fileRate ? nil : Resampler(from: rate, to: fileRate)
        // Room for 120 ms of recovered audio plus the largest packet (120 ms of Opus, or a jumbo L16 frame).
        decodedCapacity = max(rate * 250 / 1000, 16384)
        decoded = .allocate(capacity: decodedCapacity)
        outputCapacity = resampler?.outputCapacity(forInputCount: decodedCapacity) ?? decodedCapacity
        output = .allocate(capacity: outputCapacity)
    }

    deinit {
        decoded.deallocate()
        output.deallocate()
    }

    /// Output samples the resampler lags behind its input.
    var latency: Int { resampler?.latency ?? 0 }

    /// After an SSRC change: forget the previous packet and the resampler's history.
    func restart() {
        hasLast = false
        resampler?.reset()
    }

    /// Decodes one packet. Returns the audio (valid until the next call), its length, and how much
    /// of it is recovered audio that belongs before the packet's own position (all at the file's rate).
    func decode(_ rtp: RTPPacket) -> (samples: UnsafePointer<Int16>, count: Int, lead: Int) {
        var count = 0
        // A small forward jump in sequence numbers: packets were lost just before this one.
        let step = rtp.sequenceNumber &- lastSequence
        if hasLast, step >= 2, step <= 8 {
            let missingUnits = Int(Int32(bitPattern: rtp.timestamp &- lastTimestamp)) - lastUnits
            let missing = min(missingUnits * decodedRate / clockRate, Int(Self.maxRecoveredSeconds * Double(decodedRate)))
            if missing > 0 {
                if let opus {
                    count = opus.recover(samples: missing, from: rtp.payload, into: decoded, capacity: decodedCapacity)
                } else if let g729 {
                    count = g729.conceal(frames: missing / G729Decoder.frameSamples, into: decoded, capacity: decodedCapacity)
                }
            }
        }
        let lead = count
        let own = decodePayload(rtp.payload, into: decoded + count, capacity: decodedCapacity - count)
        count += own
        if !hasLast || Int16(bitPattern: step) > 0 {
            lastSequence = rtp.sequenceNumber
            lastTimestamp = rtp.timestamp
            lastUnits = own * clockRate / max(decodedRate, 1)
            hasLast = true
        }
        guard let resampler else { return (UnsafePointer(decoded), count, lead) }
        let out = resampler.process(decoded, count: count, into: output, capacity: outputCapacity)
        return (UnsafePointer(output), out, lead * resampler.outputRate / resampler.inputRate)
    }

    @inline(__always)
    private func decodePayload(_ payload: UnsafeRawBufferPointer, into destination: UnsafeMutablePointer<Int16>, capacity: Int) -> Int {
        if let table {
            let n = min(payload.count, capacity)
            G711.expand(UnsafeRawBufferPointer(rebasing: payload[0..<n]), table: table, into: destination, stride: 1)
            return n
        }
        if let g722 { return g722.decode(payload, into: destination, capacity: capacity) }
        if let g729 { return g729.decode(payload, into: destination, capacity: capacity) }
        if let opus { return opus.decode(payload, into: destination, capacity: capacity) }
        if let l16 { return l16.decode(payload, into: destination, capacity: capacity) }
        return 0
    }
}
