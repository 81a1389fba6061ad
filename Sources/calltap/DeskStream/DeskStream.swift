/// One stream of the desk: a file's frames, encoded and sent as RTP. When its file ends before the
/// other stream's, it goes on with encoded silence, so both streams span the same time, as a real
/// desk's microphone and speaker do, and the recording's two channels end together.
final class DeskStream {
    let role: DeskAudioRole
    let codec: DeskCodec
    let sender: RTPSender
    private let source: DeskAudioSource
    private let encoder: DeskFrameEncoder
    private let frame: UnsafeMutablePointer<Int16>
    private let frameSamples: Int
    private var payloadLength = 0
    /// Whether the file still had audio for the frame last prepared.
    private(set) var hasAudio = true
    /// Frames that carried the file's audio, the rest being padding silence.
    private(set) var audioFrames = 0

    init(role: DeskAudioRole, codec: DeskCodec, source: DeskAudioSource, sender: RTPSender) {
        self.role = role
        self.codec = codec
        self.source = source
        self.sender = sender
        encoder = DeskFrameEncoder(codec)
        frameSamples = source.frameSamples
        frame = .allocate(capacity: frameSamples)
        frame.initialize(repeating: 0, count: frameSamples)
    }

    deinit {
        frame.deallocate()
    }

    /// Reads and encodes the next frame, silence once the file is over; returns `hasAudio`.
    @discardableResult
    func prepare() -> Bool {
        if hasAudio {
            hasAudio = source.nextFrame(into: frame)
            if hasAudio { audioFrames += 1 } else { frame.update(repeating: 0, count: frameSamples) }
        }
        payloadLength = encoder.encode(frame, count: frameSamples, into: sender.payload, capacity: RTPSender.payloadCapacity)
        return hasAudio
    }

    /// Sends the frame `prepare` encoded.
    func send() {
        sender.send(payloadLength: payloadLength)
    }
}
