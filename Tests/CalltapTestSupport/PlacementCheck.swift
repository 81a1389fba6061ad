import Foundation

/// Checks that a recording's channel holds a stream's own G.711 payloads where they belong: the
/// first packet at its capture time (less what the sidecar's `FirstPacketsLateMs` says it came
/// late), each later one at its RTP timestamp from there, and, where
/// the recorder re-anchored a drifting stream, at a place near its capture time from which the
/// timestamps rule again.
public enum PlacementCheck {
    public struct Outcome {
        /// Packets found at their place (0...1 of those whose place lies inside the file).
        public var matchedFraction: Double
        /// Places where the stream had to be found again near its capture time.
        public var reanchors: Int
    }

    /// G.711: each payload byte expands to one sample at 8 kHz.
    public static func check(packets: [CaptureFileReader.UDPPacket], recordingStartNanos: Int64,
                             channel: [Int16], sampleRate: Int = 8000, firstPacketsLateMs: Double = 0,
                             expand: (UInt8) -> Int16) -> Outcome {
        check(packets: packets, decoded: packets.map { $0.payload[12...].map(expand) }, recordingStartNanos: recordingStartNanos,
              channel: channel, sampleRate: sampleRate, samplesPerTimestampUnit: Double(sampleRate) / 8000,
              firstPacketsLateMs: firstPacketsLateMs)
    }

    /// Any codec: `decoded[i]` is packet i decoded by a reference decoder (at the file's rate), and
    /// one RTP timestamp unit is `samplesPerTimestampUnit` file samples (G.722: 2; Opus at 16 kHz: 1/3).
    public static func check(packets: [CaptureFileReader.UDPPacket], decoded: [[Int16]], recordingStartNanos: Int64,
                             channel: [Int16], sampleRate: Int, samplesPerTimestampUnit: Double,
                             firstPacketsLateMs: Double = 0) -> Outcome {
        guard let first = packets.first else { return Outcome(matchedFraction: 0, reanchors: 0) }
        func ts(_ p: CaptureFileReader.UDPPacket) -> UInt32 {
            UInt32(p.payload[4]) << 24 | UInt32(p.payload[5]) << 16 | UInt32(p.payload[6]) << 8 | UInt32(p.payload[7])
        }
        func capturePosition(_ p: CaptureFileReader.UDPPacket) -> Int {
            Int((p.nanos - recordingStartNanos) * Int64(sampleRate) / 1_000_000_000)
        }
        func matches(_ samples: [Int16], at position: Int) -> Bool {
            guard position >= 0, position + samples.count <= channel.count else { return false }
            for (i, s) in samples.enumerated() where channel[position + i] != s { return false }
            return true
        }
        let late = Int((firstPacketsLateMs * Double(sampleRate) / 1000).rounded())
        var anchor = (position: capturePosition(first) - late, timestamp: ts(first))
        var matched = 0, reanchors = 0, considered = 0
        for (p, samples) in zip(packets, decoded) where !samples.isEmpty {
            let units = Double(Int32(bitPattern: ts(p) &- anchor.timestamp))
            let byTimestamp = anchor.position + Int((units * samplesPerTimestampUnit).rounded(.towardZero))
            // The file ends at the BYE: audio whose place lies beyond it is not in the file.
            if byTimestamp + samples.count > channel.count { continue }
            considered += 1
            if matches(samples, at: byTimestamp) {
                matched += 1
                continue
            }
            // Re-anchored: look for the packet up to 2 s before its capture position. A packet of
            // one repeated value (digital silence) would match any quiet stretch: it proves nothing.
            if samples.allSatisfy({ $0 == samples[0] }) { continue }
            let near = capturePosition(p)
            if let found = stride(from: near + sampleRate / 10, through: near - 2 * sampleRate, by: -1).first(where: { matches(samples, at: $0) }) {
                matched += 1
                reanchors += 1
                anchor = (found, ts(p))
            }
        }
        return Outcome(matchedFraction: considered == 0 ? 0 : Double(matched) / Double(considered), reanchors: reanchors)
    }
}
