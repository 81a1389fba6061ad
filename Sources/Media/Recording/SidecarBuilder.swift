import Foundation

/// Puts a finished recording into its sidecar's shape: the setup, the files written and their
/// digests, each stream's statistics, the gate's silences and the digits. The recording decides
/// what happened; this type only decides how the sidecar says it.
struct SidecarBuilder {
    let setup: RecordingSetup

    /// The sidecar of a recording whose files are closed (or, with `frames`, of a running one:
    /// a checkpoint for recovery).
    func sidecar(output: RecordingOutput, digests: [String], streams: [MediaStream], gate: RecordingGate,
                 digits: [Sidecar.Digit], metadata: [String: String], counters: RecordingCounters,
                 end: RecordingEnd, frames: Int64? = nil) -> Sidecar {
        // A checkpoint of a running recording counts the held audio too.
        let frames = frames ?? output.framesWritten
        let names = output.files.map { ($0.path as NSString).lastPathComponent }
        let oneFile = output.files.count == 1 && output.layout != .separate
        return Sidecar(
            recordingIdentifier: setup.recordingIdentifier,
            callInstance: end.callInstance ?? setup.callInstance,
            isDuplicate: setup.isDuplicate,
            agentId: setup.agentId,
            serverId: setup.serverId,
            segment: setup.segment,
            // The call's metadata at its end, with what the recording was told while it ran.
            metadata: end.metadata.map { $0.merging(metadata) { base, _ in base } } ?? metadata,
            startTime: CaptureTime.iso8601(setup.startNanos),
            endTime: CaptureTime.iso8601(setup.startNanos + frames * 1_000_000_000 / Int64(setup.sampleRate)),
            audio: .init(file: oneFile ? names[0] : nil,
                         files: oneFile ? nil : zip(output.files, zip(names, digests)).map {
                             Sidecar.AudioFile(file: $1.0, role: $0.roles.first ?? "", sha256: $1.1)
                         },
                         format: output.format.sidecarName, sampleRate: setup.sampleRate,
                         channels: output.files.reduce(0) { $0 + ($1.roles.count) },
                         durationSeconds: Double(frames) / Double(setup.sampleRate),
                         channelRoles: output.files.flatMap(\.roles)),
            streams: streams.flatMap(reports),
            blackouts: gate.sidecarBlackouts(frames: frames),
            pauses: gate.sidecarPauses(frames: frames),
            dtmf: gate.masking(digits).sorted { $0.time < $1.time },
            endReason: end.reason,
            notUsed: counters.byCause,
            sha256: digests.first ?? "",
            signalling: setup.signalling
        )
    }

    /// One report per SSRC the stream carried, in the order they came, then one per SSRC of
    /// which no packet could be decrypted.
    private func reports(_ stream: MediaStream) -> [Sidecar.Stream] {
        let decoded = stream.allStatistics
        let role = stream.flow.channel < setup.channelRoles.count ? setup.channelRoles[stream.flow.channel] : ""
        let neverOpened = stream.undecrypted.filter { entry in !decoded.contains { $0.ssrc == entry.key } }
        let undecryptable = neverOpened.sorted { $0.value.firstNanos < $1.value.firstNanos }.map { ssrc, u in
            Sidecar.Stream(
                ssrc: Self.hex(ssrc), source: stream.flow.source, destination: stream.flow.destination,
                channel: stream.flow.channel, role: role, codecs: [], payloadTypes: [],
                packets: 0, expected: 0, lost: 0, ringOverflow: 0, duplicated: 0, outOfOrder: 0, late: 0,
                jitterMs: 0, maxJitterMs: 0, maxGapMs: 0, mos: nil, reanchored: 0, decoded: false,
                notDecoded: "encrypted: no key from the SDP authenticates its packets",
                firstPacket: CaptureTime.iso8601(u.firstNanos), lastPacket: CaptureTime.iso8601(u.lastNanos),
                encryption: "SRTP", authenticationFailed: u.packets)
        }
        return decodedReports(stream, role: role) + undecryptable
    }

    private static func hex(_ ssrc: UInt32) -> String {
        "0x" + String(ssrc, radix: 16, uppercase: true).leftPadded(to: 8)
    }

    private func decodedReports(_ stream: MediaStream, role: String) -> [Sidecar.Stream] {
        stream.allStatistics.enumerated().map { index, s in
            let isCurrent = index == stream.allStatistics.count - 1 && stream.statistics != nil
            let reanchors = (stream.reanchorsBefore[s.ssrc] ?? 0) + (isCurrent ? stream.clock.reanchors : 0)
            // Packets the recorder dropped, or could not authenticate, are not network loss.
            let overflow = stream.ringOverflowBySSRC[s.ssrc] ?? 0
            let unauthenticated = stream.undecrypted[s.ssrc]?.packets
            let lost = max(0, s.lost - overflow - (unauthenticated ?? 0))
            let lossPercent = s.expected > 0 ? 100 * Double(lost) / Double(s.expected) : 0
            let reason = stream.notDecoded[s.ssrc]
            return Sidecar.Stream(
                ssrc: Self.hex(s.ssrc),
                source: stream.flow.source, destination: stream.flow.destination,
                channel: stream.flow.channel, role: role,
                codecs: stream.codecNames[s.ssrc] ?? [], payloadTypes: stream.payloadTypes[s.ssrc] ?? [],
                packets: s.packets, expected: s.expected, lost: lost, ringOverflow: overflow, duplicated: s.duplicated,
                outOfOrder: s.outOfOrder, late: stream.lateBySSRC[s.ssrc] ?? 0,
                jitterMs: (s.jitterSeconds * 1e5).rounded() / 100, maxJitterMs: (s.maxJitterSeconds * 1e5).rounded() / 100,
                maxGapMs: (Double(s.maxGapNanos) / 1e4).rounded() / 100,
                mos: stream.qualityCodec[s.ssrc].flatMap(MOSEstimate.impairment(for:))
                    .map { MOSEstimate.mos(lossPercent: lossPercent, impairment: $0) },
                reanchored: reanchors,
                firstPacketsLateMs: stream.startMovedBySSRC[s.ssrc].map { Double($0) * 1000 / Double(setup.sampleRate) },
                decoded: reason == nil,
                notDecoded: reason,
                firstPacket: CaptureTime.iso8601(s.firstArrivalNanos),
                lastPacket: CaptureTime.iso8601(s.lastArrivalNanos),
                encryption: stream.srtpSuites[s.ssrc], authenticationFailed: unauthenticated,
                receiverReports: stream.receiverReports[s.ssrc].map { Self.sidecar($0, clockRate: stream.clockRate) })
        }
    }

    private static func sidecar(_ r: ReceiverReports, clockRate: Int) -> Sidecar.ReceiverReports {
        func percent(_ fraction: UInt8) -> Double { (Double(fraction) * 10000 / 256).rounded() / 100 }
        func ms(_ units: UInt32) -> Double { (Double(units) * 100_000 / Double(max(clockRate, 1))).rounded() / 100 }
        return Sidecar.ReceiverReports(
            reports: r.count, fractionLostPercent: percent(r.fractionLost), maxFractionLostPercent: percent(r.maxFractionLost),
            cumulativeLost: Int(r.cumulativeLost), jitterMs: ms(r.jitter), maxJitterMs: ms(r.maxJitter),
            roundTripMs: r.roundTripNanos.map { (Double($0) / 10_000).rounded() / 100 })
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
