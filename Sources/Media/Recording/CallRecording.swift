import CPrefetch
import Foundation

/// One recording being made on a media worker: the streams that feed it, the timeline that
/// places their samples, and the file the timeline commits to. Everything here runs on the one
/// worker thread that owns the recording.
public final class CallRecording {
    // What every packet reads comes first, together: with thousands of recordings open, each
    // cache line of a recording that a packet touches is a cache miss (`setup` alone spans
    // several lines).
    private var streams: [MediaStream] = []
    private let timeline: RecordingTimeline
    /// Where `streams` keeps its elements since it last grew, and how many bytes of each are
    /// what every packet reads (the fields before `flow`): for fetching ahead, which only asks
    /// for lines there and never reads through it.
    private var streamStorage: UnsafeRawPointer?
    private let streamHotBytes = MemoryLayout<MediaStream>.offset(of: \MediaStream.flow) ?? 256
    /// `setup.startNanos` and `setup.sampleRate`, beside the rest that every packet reads.
    private let startNanos: Int64
    private let sampleRate: Int
    private var cutoffNanos = Int64.max
    private let muLaw = G711.muLawTable
    private let aLaw = G711.aLawTable
    /// Whether the held audio is journaled (a live recording). A stored flag: the worker asks it
    /// per packet, and testing the optional journal would retain and release it each time.
    public let journalsHeldAudio: Bool
    /// What each tick reads (`advance(toNanos:)`), next to the above.
    private let commitDelayFrames: Int64
    private let commitBatchFrames: Int64
    /// The held audio and a checkpoint of the sidecar, for recovery after a crash (live only).
    private let journal: HeldAudioJournal?

    public let setup: RecordingSetup
    public private(set) var counters = RecordingCounters()

    private let output: RecordingOutput
    /// Capture time of the next checkpoint.
    private var nextCheckpointNanos = Int64.min
    /// A checkpoint's counters may be this old at most (a young recording's, half its age, at
    /// least `firstCheckpointNanos`). Encoding a sidecar is dear: at 2,000 live calls, every 2 s
    /// took an eighth of the media worker (perf), which then fell behind its ring.
    static let checkpointNanos: Int64 = 10_000_000_000
    static let firstCheckpointNanos: Int64 = 250_000_000
    /// Something the sidecar lists besides its counters changed since the last checkpoint (a
    /// pause, a blackout, a digit, metadata): the next tick checkpoints, whatever the schedule.
    private var listingsChanged = false
    private var digits: [Sidecar.Digit] = []
    /// Decoders by flow and codec, owned here for the recording's life (streams hold views).
    private var decoders: [DecoderKey: StreamDecoder] = [:]

    private struct DecoderKey: Hashable {
        var flow: Int
        var codec: Codec
    }
    private var payloadMaps: [PayloadMap]

    public init(setup: RecordingSetup) throws(SoundFileError) {
        self.setup = setup
        startNanos = setup.startNanos
        sampleRate = setup.sampleRate
        do {
            try FileManager.default.createDirectory(atPath: setup.directory, withIntermediateDirectories: true)
        } catch {
            throw .cannotCreate(path: setup.directory, reason: "\(error.localizedDescription)")
        }
        commitDelayFrames = setup.commitDelayNanos * Int64(setup.sampleRate) / 1_000_000_000
        // Commit in runs of half a second: each write costs the file system about 5 µs besides
        // its bytes (a replay of 2,000 calls spent 9 % less CPU than with quarter-second runs),
        // and a longer run is more audio held per call (the second quarter: 4 KB a G.711 call).
        commitBatchFrames = Int64(setup.sampleRate / 2)
        // The delay, a run, a tick (50 ms) and room for packets stamped a little ahead: what is
        // held never reaches back into what a gate decided within the delay.
        let capacity = Int(commitDelayFrames + commitBatchFrames + Int64(setup.sampleRate / 4))
        output = try RecordingOutput(stem: setup.audioStem, sampleRate: setup.sampleRate, roles: setup.channelRoles,
                                     format: setup.format, layout: setup.layout, side: setup.side)
        journalsHeldAudio = setup.journalsHeldAudio
        journal = setup.journalsHeldAudio
            ? try HeldAudioJournal(path: HeldAudioJournal.path(forSidecar: setup.sidecarPath),
                                   channels: setup.channelRoles.count, sampleRate: setup.sampleRate)
            : nil
        timeline = RecordingTimeline(channels: setup.channelRoles.count, capacityFrames: capacity, output: output,
                                     journal: journal)
        try journal?.appendLayout(HeldAudioJournal.Layout(
            files: Dictionary(output.files.map { (($0.path as NSString).lastPathComponent, $0.channels) }) { a, _ in a },
            mixed: output.layout == .mono))
        gate = RecordingGate(timeline: timeline, startNanos: setup.startNanos, sampleRate: setup.sampleRate, serverId: setup.serverId)
        payloadMaps = []
        metadata = setup.metadata
        payloadMaps = byChannel(setup.payloadMaps)
    }

    /// The metadata the sidecar will carry; updated while the recording runs.
    public private(set) var metadata: [String: String]
    /// What the recording silences (pauses and blackouts).
    private let gate: RecordingGate

    /// The channel a side's audio goes to.
    @inline(__always)
    private func channel(ofSide side: Int) -> Int {
        side >= 0 && side < setup.sideToChannel.count ? setup.sideToChannel[side] : side
    }

    /// Per-side payload maps reordered per channel.
    private func byChannel(_ maps: [PayloadMap]) -> [PayloadMap] {
        var out = maps
        for (side, map) in maps.enumerated() where channel(ofSide: side) < out.count {
            out[channel(ofSide: side)] = map
        }
        return out
    }

    /// Adds a flow (its `channel` is the sending side); its index is the next one (flows are
    /// numbered from 0 in the order they are added).
    public func addFlow(_ flow: MediaFlow) {
        var flow = flow
        flow.channel = channel(ofSide: flow.channel)
        streams.append(MediaStream(flow: flow, sampleRate: setup.sampleRate))
        streamStorage = streams.withUnsafeBufferPointer { UnsafeRawPointer($0.baseAddress) }
    }

    /// What a packet's `receive` reads that the worker fetches ahead, a stage a packet.
    public enum FetchStage {
        /// The stream's storage and per-packet fields, and the timeline.
        case stream
        /// The plane of the stream's channel.
        case plane
        /// The held audio the packet will write when it follows the channel's last audio.
        case placement
    }

    /// Asks for the lines that a packet of `flow`, some records behind on the worker's ring, will
    /// read at `stage`. Each stage loads only what the stage before asked for a packet earlier,
    /// so that none waits for memory; a prefetch never faults, and nothing changes.
    @inline(__always)
    public func fetchAhead(_ stage: FetchStage, flow: Int, payloadBytes: Int) {
        switch stage {
        case .stream:
            guard let storage = streamStorage else { return }
            // The array's header (count and capacity: 32 bytes on a 64-bit machine) lies just
            // before the elements; `receive` reads the count.
            calltap_prefetch_read(storage - 32)
            let element = storage + flow &* MemoryLayout<MediaStream>.stride
            var offset = 0
            while offset < streamHotBytes {
                calltap_prefetch_read(element + offset)
                offset += 64
            }
            timeline.fetchAhead()
        case .plane, .placement:
            streams.withUnsafeMutableBufferPointer { buffer in
                guard flow >= 0, flow < buffer.count else { return }
                let channel = (buffer.baseAddress! + flow).pointee.channel
                if stage == .plane {
                    timeline.fetchPlane(channel: channel)
                } else {
                    // G.711's frames: the payload behind the fixed 12-byte header.
                    timeline.fetchPlacement(channel: channel, frames: payloadBytes - 12)
                }
            }
        }
    }

    /// From capture time `nanos` on, every channel is written as silence; the timeline goes on.
    public func pause(atNanos nanos: Int64) {
        gate.pause(atNanos: nanos)
        listingsChanged = true
    }

    /// Ends the pause at capture time `nanos` (rounded up: silence errs long).
    public func resume(atNanos nanos: Int64) {
        gate.resume(atNanos: nanos)
        listingsChanged = true
    }

    /// From capture time `nanos` on, every channel is silence: the agent's blackout, started by `origin`.
    public func startBlackout(atNanos nanos: Int64, origin: String) {
        gate.startBlackout(atNanos: nanos, origin: origin)
        listingsChanged = true
    }

    /// Ends the blackout at capture time `nanos`; `reason` is how it ended (`stopped`, `maxAgentBlackout`).
    public func endBlackout(atNanos nanos: Int64, reason: String) {
        gate.endBlackout(atNanos: nanos, reason: reason)
        listingsChanged = true
    }

    /// Merges metadata keys (an API update) into what the sidecar will carry.
    public func updateMetadata(_ changes: [String: String]) {
        metadata.merge(changes) { _, new in new }
        listingsChanged = true
    }

    /// The decoder for a flow's codec, made the first time it is needed (never per packet).
    private func decoder(flow: Int, codec: Codec) -> StreamDecoder? {
        let key = DecoderKey(flow: flow, codec: codec)
        if let d = decoders[key] { return d }
        guard let d = StreamDecoder(codec: codec, fileRate: setup.sampleRate) else { return nil }
        decoders[key] = d
        return d
    }

    /// Sends a flow's later packets to another channel (its side was learned late).
    public func moveFlow(_ flow: Int, toSide side: Int) {
        let channel = channel(ofSide: side)
        guard flow >= 0, flow < streams.count, channel >= 0, channel < setup.channelRoles.count else { return }
        streams[flow].moveTo(channel: channel)
    }

    /// A re-INVITE declared the flow's leg encrypted or plain, or gave new keys: the flow is
    /// resolved again.
    public func setFlowEncryption(_ flow: Int, _ encryption: FlowEncryption) {
        guard flow >= 0, flow < streams.count else { return }
        streams[flow].setEncryption(encryption)
    }

    /// The worker decrypted `ssrc` of `flow` with a key of `suite` (its first key, or a new one).
    public func noteDecryption(flow: Int, ssrc: UInt32, suite: SRTPSuite) {
        guard flow >= 0, flow < streams.count else { return }
        streams[flow].srtpSuites[ssrc] = "SRTP " + suite.rawValue
    }

    /// An SRTP packet of `flow` that the worker could not decrypt: counted against its SSRC
    /// (the header is in clear), never decoded.
    public func noteUndecrypted(flow: Int, packet bytes: UnsafeRawBufferPointer, captureNanos: Int64,
                                outcome: SRTPDecryptor.Outcome) {
        guard captureNanos >= setup.startNanos, captureNanos < cutoffNanos, flow >= 0, flow < streams.count else { return }
        switch outcome {
        case .replayed:
            counters.duplicate += 1
        case .malformed:
            counters.malformedRTP += 1
        case .decrypted:
            return
        case .authenticationFailed:
            counters.srtpAuthenticationFailed += 1
            guard bytes.count >= 12 else { return }
            let ssrc = RTPPacket.ssrc(of: bytes)
            streams[flow].undecrypted[ssrc, default: .init(firstNanos: captureNanos, lastNanos: captureNanos)].packets += 1
            streams[flow].undecrypted[ssrc]!.lastNanos = captureNanos
        }
    }

    /// An RTCP packet (plain, or SRTCP the worker decrypted) that came with `flow`'s sender.
    /// Sender reports are kept for the round trip; each reception report block goes to the
    /// stream it reports on: on the same leg, the stream the reporter receives.
    public func receiveRTCP(flow: Int, packet bytes: UnsafeRawBufferPointer, captureNanos: Int64) {
        guard captureNanos >= setup.startNanos, captureNanos < cutoffNanos, flow >= 0, flow < streams.count,
              !streams[flow].encryptedInBand else { return }
        let reporter = streams[flow].flow.source
        RTCPPacket.read(bytes, senderReport: { ssrc, ntpMiddle in
            let i = streams[flow].carries(ssrc) ? flow : streams.firstIndex { $0.carries(ssrc) }
            if let i { streams[i].lastSenderReport[ssrc] = (ntpMiddle, captureNanos) }
        }, block: { block in
            guard let i = streams.firstIndex(where: { $0.flow.destination == reporter && $0.carries(block.ssrc) })
                ?? streams.firstIndex(where: { $0.carries(block.ssrc) }) else { return }
            var roundTrip: Int64?
            if block.lastSenderReport != 0, let sent = streams[i].lastSenderReport[block.ssrc],
               sent.ntpMiddle == block.lastSenderReport {
                let nanos = captureNanos - sent.nanos - Int64(block.delaySinceLastSenderReport) * 1_000_000_000 / 65536
                if nanos >= 0 { roundTrip = nanos }
            }
            streams[i].receiverReports[block.ssrc, default: ReceiverReports()].add(block, roundTripNanos: roundTrip)
        })
    }

    /// An SRTCP packet of `flow` that no key authenticated: counted, never read.
    public func noteUnauthenticatedRTCP(flow: Int, captureNanos: Int64) {
        guard captureNanos >= setup.startNanos, captureNanos < cutoffNanos else { return }
        counters.srtcpAuthenticationFailed += 1
    }

    /// New payload meanings after a re-INVITE; each stream resolves its payload type again.
    public func updatePayloadMaps(_ maps: [PayloadMap]) {
        payloadMaps = byChannel(maps)
        for i in streams.indices { streams[i].payloadType = -1 }
    }

    /// The frame at which something captured at `nanos` belongs.
    @inline(__always)
    func framePosition(_ nanos: Int64) -> Int64 {
        RecordingFrames.frame(at: nanos, startNanos: startNanos, sampleRate: sampleRate)
    }

    /// Stops taking packets captured at or after `nanos`: a stop that takes effect a little
    /// ahead of the packets the worker has seen (its request was accepted before they arrived).
    /// The worker finishes the recording once its clock passes that time.
    public func cutOff(atNanos nanos: Int64) {
        cutoffNanos = min(cutoffNanos, nanos)
    }

    /// A packet this far beyond the written audio is not placed: its timestamps or capture time
    /// jumped, and filling the gap would write hours of silence.
    var maxGapFrames: Int64 { Int64(sampleRate) * 3600 }

    /// Packets of flow `flow` that the recorder dropped before its next one (its worker was behind).
    public func noteRingOverflow(flow: Int, count: Int) {
        guard flow >= 0, flow < streams.count, count > 0 else { return }
        counters.ringOverflow += count
        streams[flow].noteRingOverflow(count)
    }

    /// One RTP packet of flow `flow`, captured at `captureNanos`.
    public func receive(flow: Int, packet bytes: UnsafeRawBufferPointer, captureNanos: Int64) throws(SoundFileError) {
        // A recording whose start or stop command was accepted ahead of the packets: what was
        // captured outside it belongs to no one here (neither lost nor late).
        guard captureNanos >= startNanos, captureNanos < cutoffNanos else { return }
        guard flow >= 0, flow < streams.count else {
            counters.unknownFlow += 1
            return
        }
        // One access to the stream's storage per packet: working through the pointer copies
        // nothing (a `MediaStream` holds dictionaries; a copy would retain and release them).
        try streams.withUnsafeMutableBufferPointer { (buffer) throws(SoundFileError) in
            try receive(buffer, flow: flow, packet: bytes, captureNanos: captureNanos)
        }
    }

    @inline(__always)
    private func receive(_ streams: UnsafeMutableBufferPointer<MediaStream>, flow: Int, packet bytes: UnsafeRawBufferPointer,
                         captureNanos: Int64) throws(SoundFileError) {
        let stream = streams.baseAddress! + flow
        guard let rtp = RTPPacket.parse(bytes) else {
            if RTPPacket.isZRTP(bytes) {
                // Key agreement on the media path: what follows on this flow is ciphertext.
                counters.encrypted += 1
                stream.pointee.encryptedInBand = true
                stream.pointee.payloadType = -1
            } else {
                counters.malformedRTP += 1
            }
            return
        }
        if stream.pointee.statistics?.ssrc != rtp.ssrc {
            stream.pointee.switchSSRC(to: rtp.ssrc)
        }
        if Int(rtp.payloadType) != stream.pointee.payloadType {
            let channel = stream.pointee.channel
            let map = channel < payloadMaps.count ? payloadMaps[channel] : PayloadMap()
            stream.pointee.resolve(payloadType: rtp.payloadType, map: map, ssrc: rtp.ssrc, fileRate: sampleRate)
            if stream.pointee.handling == .decoded, let codec = stream.pointee.codec {
                stream.pointee.decoder = decoder(flow: flow, codec: codec)
                if stream.pointee.decoder == nil { stream.pointee.handling = .unsupported }
            }
            updateInbandDetector(stream, flow: flow)
        }
        let clockRate = stream.pointee.clockRate
        let arrival = stream.pointee.statistics!.record(sequence: rtp.sequenceNumber, timestamp: rtp.timestamp,
                                                        arrivalNanos: captureNanos, clockRate: clockRate)
        if arrival == .duplicate {
            counters.duplicate += 1
            return
        }
        if stream.pointee.handling == .telephoneEvent {
            if !stream.pointee.signalsDigitsOutOfBand {
                // The sender signals its digits: its audio is not searched for them as well.
                stream.pointee.signalsDigitsOutOfBand = true
                stream.pointee.inband = nil
                inbandOpen[flow] = nil
            }
            counters.telephoneEvent += 1
            noteEvent(stream, rtp: rtp, capturePosition: framePosition(captureNanos))
            return
        }
        // A stream's first packet may have come late (held up on the way, then a burst): while
        // what it placed since is still held, a packet that shows so moves that audio earlier.
        let fresh = !stream.pointee.clock.isAnchored
        var room: Int64 = 0
        if let held = stream.pointee.heldStart {
            room = held.first - max(held.roomFrom, timeline.committed)
            if room <= 0 { stream.pointee.heldStart = nil }
        }
        var moved: Int64 = 0
        let position = stream.pointee.clock.position(timestamp: rtp.timestamp, clockRate: clockRate,
                                                    capturePosition: framePosition(captureNanos),
                                                    movableBy: room, moved: &moved)
        if moved > 0 { moveHeldStart(stream, by: moved) }
        if room > 0 && !stream.pointee.clock.onFirstAnchor { stream.pointee.heldStart = nil }
        let channel = stream.pointee.channel
        // Where the channel's audio ended before this stream's first: as far as it may move.
        let roomFrom = fresh && holdsStartAlone(streams, flow: flow) ? timeline.placedEnd(channel: channel) : Int64.max
        if position - timeline.committed > maxGapFrames || position < -maxGapFrames {
            counters.timeJump += 1
            return
        }
        switch stream.pointee.handling {
        case .pcmu, .pcma:
            let table = stream.pointee.handling == .pcmu ? muLaw : aLaw
            let payload = rtp.payload
            let late = try timeline.placeCodes(channel: channel, at: position, codes: payload, table: table)
            notePlaced(stream, from: position, to: position + Int64(payload.count), roomFrom: roomFrom)
            if late > 0 { noteLate(stream, ssrc: rtp.ssrc, whole: late == payload.count) }
            if let inband = stream.pointee.inband {
                inbandFlow = (flow, channel)
                inband.feed(codes: payload, table: table, at: position)
            }
        case .decoded:
            guard let decoder = stream.pointee.decoder else { break }
            let out = decoder.decode(rtp)
            guard out.count > 0 else {
                timeline.claim(upTo: position)
                break
            }
            let samples = out.samples
            let start = position - Int64(out.lead) - Int64(decoder.latency)
            let late = try timeline.place(channel: channel, at: start, count: out.count) { offset, destination, count in
                destination.update(from: samples + offset, count: count)
            }
            notePlaced(stream, from: start, to: start + Int64(out.count), roomFrom: roomFrom)
            if let inband = stream.pointee.inband {
                inbandFlow = (flow, channel)
                inband.feed(samples: samples, count: out.count, at: start)
            }
            // Recovered audio or the resampler's run-in landing before the file start is not lateness.
            if late > out.lead + decoder.latency { noteLate(stream, ssrc: rtp.ssrc, whole: late == out.count) }
        case .comfortNoise:
            // Silence that the sender means: it extends the recording, writes nothing.
            counters.comfortNoise += 1
            timeline.claim(upTo: position)
        case .telephoneEvent:
            break
        case .unsupported:
            counters.unsupportedCodec += 1
            timeline.claim(upTo: position)
        case .unknown:
            counters.unknownPayloadType += 1
        case .encrypted:
            counters.encrypted += 1
            timeline.claim(upTo: position)
        }
    }

    /// Whether the stream that is starting in `flow` is alone in its channel: another that is
    /// still sending there would move with it, so neither's audio may move then.
    private func holdsStartAlone(_ streams: UnsafeMutableBufferPointer<MediaStream>, flow: Int) -> Bool {
        var alone = true
        for i in streams.indices where i != flow && streams[i].channel == streams[flow].channel && streams[i].clock.isAnchored {
            streams[i].heldStart = nil
            alone = false
        }
        return alone
    }

    /// The stream placed audio in frames `start ..< end`: its first (`roomFrom` is where the
    /// channel's audio ended before it, `Int64.max` when it cannot move), or a later one.
    @inline(__always)
    private func notePlaced(_ stream: UnsafeMutablePointer<MediaStream>, from start: Int64, to end: Int64, roomFrom: Int64) {
        if stream.pointee.heldStart != nil {
            stream.pointee.heldStart!.placed(from: start, to: end)
        } else if roomFrom != Int64.max {
            stream.pointee.heldStart = MediaStream.HeldStart(roomFrom: roomFrom, first: start, end: end)
        }
    }

    /// The stream's first packets came late by `distance` frames: its held audio moves earlier.
    private func moveHeldStart(_ stream: UnsafeMutablePointer<MediaStream>, by distance: Int64) {
        guard let held = stream.pointee.heldStart else { return }
        let channel = stream.pointee.channel
        timeline.move(channel: channel, from: held.first, to: held.end, by: distance)
        // Digits found in that audio (in-band) or placed by its timestamps (RFC 4733) move with
        // it; those that SIP signalled keep their capture time.
        let rate = Double(setup.sampleRate)
        for i in digits.indices where digits[i].channel == channel && digits[i].time * rate >= Double(held.first)
            && digits[i].cameWithMedia {
            digits[i].time = max(0, digits[i].time - Double(distance) / rate)
        }
        stream.pointee.heldStart!.first -= distance
        stream.pointee.heldStart!.end -= distance
        if let ssrc = stream.pointee.statistics?.ssrc { stream.pointee.startMovedBySSRC[ssrc, default: 0] += distance }
    }

    /// An RFC 4733 packet: a new event (a new timestamp) is a digit at its start time; later
    /// packets of the same event only lengthen it.
    private func noteEvent(_ stream: UnsafeMutablePointer<MediaStream>, rtp: RTPPacket, capturePosition: Int64) {
        guard let event = TelephoneEvent(rtp.payload), let digit = event.digit else { return }
        let seconds = Double(event.duration) / Double(stream.pointee.clockRate)
        if let i = stream.pointee.currentDigit, stream.pointee.currentEventTimestamp == rtp.timestamp {
            digits[i].duration = max(digits[i].duration, seconds)
            return
        }
        let position = stream.pointee.clock.peekPosition(timestamp: rtp.timestamp, clockRate: stream.pointee.clockRate,
                                                        capturePosition: capturePosition)
        stream.pointee.currentEventTimestamp = rtp.timestamp
        stream.pointee.currentDigit = digits.count
        digits.append(Sidecar.Digit(digit: String(digit), time: Double(max(0, position)) / Double(setup.sampleRate),
                                    duration: seconds, method: Sidecar.Digit.Method.rfc4733, channel: stream.pointee.channel,
                                    masked: false))
        listingsChanged = true
    }

    /// The flow and channel whose audio the in-band receiver is being fed.
    private var inbandFlow = (flow: 0, channel: 0)
    /// Per flow, the index in `digits` of the in-band digit whose tone goes on.
    private var inbandOpen: [Int: Int] = [:]

    /// Makes or drops a flow's in-band receiver after its payload type was resolved: G.711
    /// and G.722 audio is searched, unless the sender signals digits as RFC 4733 events.
    private func updateInbandDetector(_ stream: UnsafeMutablePointer<MediaStream>, flow: Int) {
        let searched: Bool
        switch stream.pointee.codec {
        case .pcmu?, .pcma?, .g722?: searched = setup.detectsInbandDTMF && !stream.pointee.signalsDigitsOutOfBand
            && (stream.pointee.handling == .pcmu || stream.pointee.handling == .pcma || stream.pointee.handling == .decoded)
        default: searched = false
        }
        if searched, stream.pointee.inband == nil {
            stream.pointee.inband = InbandDTMFDetector(fileRate: setup.sampleRate) { [unowned self] digit, frame in
                inbandEdge(digit, frame: frame)
            }
        }
        // Comfort noise and events between talk keep the receiver; another codec does not.
        if !searched, stream.pointee.handling != .comfortNoise, stream.pointee.handling != .telephoneEvent {
            stream.pointee.inband = nil
        }
    }

    /// The in-band receiver found the start of `digit`, or (nil) the end of the one in progress.
    private func inbandEdge(_ digit: Character?, frame: Int64) {
        let (flow, channel) = inbandFlow
        let seconds = Double(frame) / Double(setup.sampleRate)
        if let open = inbandOpen.removeValue(forKey: flow) {
            digits[open].duration = max(0, seconds - digits[open].time)
        }
        guard let digit else { return }
        inbandOpen[flow] = digits.count
        digits.append(Sidecar.Digit(digit: String(digit), time: seconds, duration: 0, method: Sidecar.Digit.Method.inband,
                                    channel: channel, masked: false))
        listingsChanged = true
    }

    /// A digit signalled out of band (SIP INFO) at capture time `nanos`.
    public func addDigit(_ digit: String, atNanos nanos: Int64, durationSeconds: Double, method: String, side: Int) {
        digits.append(Sidecar.Digit(digit: digit, time: Double(max(0, framePosition(nanos))) / Double(setup.sampleRate),
                                    duration: durationSeconds, method: method, channel: channel(ofSide: side), masked: false))
        listingsChanged = true
    }

    private func noteLate(_ stream: UnsafeMutablePointer<MediaStream>, ssrc: UInt32, whole: Bool) {
        stream.pointee.lateBySSRC[ssrc, default: 0] += 1
        if whole { counters.late += 1 }
    }

    /// Writes what is older than the commit delay at capture time `nowNanos`, never past the last
    /// audio placed (a call that stops sending may be over: no silent tail before we know).
    public func advance(toNanos nowNanos: Int64) throws(SoundFileError) {
        let target = min(framePosition(nowNanos) - commitDelayFrames, timeline.highest)
        if target - timeline.committed >= commitBatchFrames {
            try timeline.commit(upTo: target)
        }
        guard journal != nil else { return }
        try timeline.journalHeld()
        if nowNanos >= nextCheckpointNanos || listingsChanged || timeline.takeJournalReset() {
            try checkpoint()
            listingsChanged = false
            // Often while the recording is young (its streams are still starting), then every 10 s.
            let age = max(0, nowNanos - setup.startNanos)
            nextCheckpointNanos = nowNanos + min(Self.checkpointNanos, max(Self.firstCheckpointNanos, age / 2))
        }
    }

    /// Journals what was placed since the last tick (live): the worker calls it when it has
    /// caught up with its ring, so that a crash loses less than a tick.
    public func journalHeld() throws(SoundFileError) {
        try timeline.journalHeld()
    }

    /// Journals what the sidecar would say if the recording ended now (streams, blackouts,
    /// pauses, digits, counters): a repaired recording keeps it.
    private func checkpoint() throws(SoundFileError) {
        guard let journal else { return }
        let sidecar = SidecarBuilder(setup: setup).sidecar(
            output: output, digests: [], streams: streams, gate: gate, digits: digits, metadata: metadata,
            counters: counters, end: RecordingEnd(endNanos: nil, reason: "interrupted", metadata: nil),
            frames: timeline.highest)
        guard let json = try? JSONEncoder().encode(sidecar) else { return }
        try journal.appendCheckpoint(json)
    }

    /// Writes what is held up to the recording's end and gives the held audio's memory back:
    /// nothing more is placed. The rest of `finish` (closing, hashing, the sidecar) can then run
    /// elsewhere, while thousands of ended recordings wait for it holding little. Audio that
    /// cannot be written (a full disk) is given up and the failure kept for the sidecar: the
    /// file still closes with what it holds.
    public func writeHeldAudio(_ end: RecordingEnd) {
        guard !heldAudioWritten else { return }
        var endFrame = timeline.highest
        if let endNanos = end.endNanos {
            endFrame = max(timeline.committed, framePosition(endNanos))
        }
        gate.closeAll(atNanos: end.endNanos)
        do {
            try timeline.commit(upTo: endFrame)
        } catch {
            noteStorageError(error)
        }
        timeline.releaseHeld()
        heldAudioWritten = true
    }

    private var heldAudioWritten = false

    /// The first write that failed: the recording ends as `error: …` with what its file holds.
    public private(set) var storageError: String?

    /// Keeps the first storage failure for the sidecar's end reason.
    public func noteStorageError(_ error: any Error) {
        if storageError == nil { storageError = "\(error)" }
    }

    /// Ends the recording: writes what is left up to the end, closes the file and writes the
    /// sidecar with `writeSidecar`. A write that failed on the way ends it as `error: …`, and the
    /// file is closed and described all the same: a full disk costs the audio it could not
    /// take, never the recording or its sidecar.
    public func finish(_ end: RecordingEnd,
                       writeSidecar: (Sidecar, String) throws -> Void = { try $0.write(to: $1) }) throws -> RecordingResult {
        writeHeldAudio(end)
        do {
            try output.close()
        } catch {
            noteStorageError(error)
        }
        let digests = output.files.map { (try? FileDigest.sha256(path: $0.path)) ?? "" }
        var end = end
        if let storageError, !end.reason.hasPrefix("error") { end.reason = "error: \(storageError)" }
        let sidecar = SidecarBuilder(setup: setup).sidecar(output: output, digests: digests, streams: streams, gate: gate,
                                                           digits: digits, metadata: metadata, counters: counters, end: end)
        try writeSidecar(sidecar, setup.sidecarPath)
        // The file holds everything now and the sidecar says so: recovery has nothing to add.
        journal?.remove()
        return RecordingResult(sidecar: sidecar, audioPaths: output.files.map(\.path), sidecarPath: setup.sidecarPath)
    }
}
