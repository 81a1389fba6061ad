import CSpanDSP

/// Finds DTMF digits sent as tones inside the audio (in-band), with spandsp's receiver: it
/// takes 8 kHz samples and reports each digit's start and end. Edges are placed 20 ms before
/// the packet during which the receiver reported them (it needs about that much tone to be
/// sure), so a digit's time is within a packet of where its tone is.
final class InbandDTMFDetector {
    /// A digit began (`digit`) or ended (nil) at `frame`, a frame of the recording's file.
    typealias Report = (_ digit: Character?, _ frame: Int64) -> Void

    private let state: OpaquePointer
    /// File frames per 8 kHz sample (1, or 2 for a 16 kHz file).
    private let framesPerSample: Int64
    /// The file frame at which the block being fed starts.
    private var blockFrame: Int64 = 0
    private var report: Report
    /// Room for 8 kHz samples made from codes or decimated from 16 kHz.
    private let buffer: UnsafeMutablePointer<Int16>
    private static let bufferSamples = 2048

    init(fileRate: Int, report: @escaping Report) {
        framesPerSample = fileRate >= 16000 ? 2 : 1
        self.report = report
        state = dtmf_rx_init(nil, nil, nil)
        buffer = .allocate(capacity: Self.bufferSamples)
        dtmf_rx_set_realtime_callback(state, { userData, code, _, _ in
            guard let userData else { return }
            Unmanaged<InbandDTMFDetector>.fromOpaque(userData).takeUnretainedValue().edge(code)
        }, Unmanaged.passUnretained(self).toOpaque())
    }

    deinit {
        dtmf_rx_free(state)
        buffer.deallocate()
    }

    private func edge(_ code: Int32) {
        let frame = max(0, blockFrame - 160 * framesPerSample)
        report(code == 0 ? nil : Character(Unicode.Scalar(UInt8(truncatingIfNeeded: code))), frame)
    }

    /// G.711 codes placed at file frame `frame`, through their linear `table`.
    func feed(codes: UnsafeRawBufferPointer, table: UnsafePointer<Int16>, at frame: Int64) {
        var offset = 0
        while offset < codes.count {
            let n = min(codes.count - offset, Self.bufferSamples)
            for i in 0..<n { buffer[i] = table[Int(codes[offset + i])] }
            blockFrame = frame + Int64(offset)
            dtmf_rx(state, buffer, Int32(n))
            offset += n
        }
    }

    /// Samples at the file's rate placed at file frame `frame` (a 16 kHz file is halved).
    func feed(samples: UnsafePointer<Int16>, count: Int, at frame: Int64) {
        guard framesPerSample == 2 else {
            blockFrame = frame
            dtmf_rx(state, samples, Int32(count))
            return
        }
        var offset = 0
        while offset + 1 < count {
            let n = min((count - offset) / 2, Self.bufferSamples)
            for i in 0..<n {
                buffer[i] = Int16((Int32(samples[offset + 2 * i]) + Int32(samples[offset + 2 * i + 1])) / 2)
            }
            blockFrame = frame + Int64(offset)
            dtmf_rx(state, buffer, Int32(n))
            offset += 2 * n
        }
    }
}
