import Foundation

/// Checks that a recording's channel holds a stream's own G.711 payloads where they belong: the
/// first packet at its capture time, each later one at its RTP timestamp from there, and, where
/// the recorder re-anchored a drifting stream, at a place near its capture time from which the
/// timestamps rule again.
public enum PlacementCheck {
    public struct Outcome {
        /// Packets found at their place (0...1 of those whose place lies inside the file).
        public var matchedFraction: Double
        /// Places where the stream had to be found again near its capture time.
        public var reanchors: Int
    }

    public static func check(packets: [CaptureFileReader.UDPPacket], recordingStartNanos: Int64,
                             channel: [Int16], sampleRate: Int = 8000, expand: (UInt8) -> Int16) -> Outcome {
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
        var anchor = (position: capturePosition(first), timestamp: ts(first))
        var matched = 0, reanchors = 0, considered = 0
        for p in packets {
            let samples = p.payload[12...].map(expand)
            let byTimestamp = anchor.position + Int(Int32(bitPattern: ts(p) &- anchor.timestamp))
            // The file ends at the BYE: audio whose place lies beyond it is not in the file.
            if byTimestamp + samples.count > channel.count { continue }
            considered += 1
            if matches(samples, at: byTimestamp) {
                matched += 1
                continue
            }
            // Re-anchored: look for the packet up to 2 s before its capture position.
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
