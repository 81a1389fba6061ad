import CSndfile
import Foundation

extension InterruptedRecording {
    /// The audio a crashed recording held for its commit delay, as its journal kept it: the
    /// frames from `from` (the end of what its files hold) to the journal's last one, each frame
    /// as the last record that reached it says (later records are later decisions: a late
    /// packet, a blackout reaching back), silence where none did.
    struct HeldAudio {
        var channels: Int
        var from: Int64
        var samples: [Int16]
        var layout: HeldAudioJournal.Layout?

        var frames: Int64 { Int64(samples.count / max(channels, 1)) }

        init?(_ journal: HeldAudioJournal.Contents, after from: Int64) {
            let end = journal.audio.map { $0.frame + Int64($0.samples.count / journal.channels) }.max() ?? 0
            guard end > from else { return nil }
            channels = journal.channels
            self.from = from
            layout = journal.layout
            var samples = [Int16](repeating: 0, count: Int(end - from) * channels)
            for record in journal.audio {
                let count = Int64(record.samples.count / channels)
                let first = max(record.frame, from), last = record.frame + count
                guard last > first else { continue }
                let source = Int(first - record.frame) * channels
                let target = Int(first - from) * channels
                let n = Int(last - first) * channels
                samples.replaceSubrange(target..<(target + n), with: record.samples[source..<(source + n)])
            }
            self.samples = samples
        }

        /// The file's own samples of these frames: the channels its layout gives it, or their mix.
        func samples(forFile path: String, fileChannels: Int) -> [Int16]? {
            let name = (path as NSString).lastPathComponent
            let picked: [Int]
            if let mapped = layout?.files[name] {
                picked = mapped
            } else if fileChannels == channels {
                picked = Array(0..<channels)
            } else {
                return nil
            }
            let mixed = layout?.mixed == true && fileChannels == 1
            guard mixed || picked.count == fileChannels else { return nil }
            let count = Int(frames)
            var out = [Int16](repeating: 0, count: count * fileChannels)
            for i in 0..<count {
                if mixed {
                    var sum = 0
                    for c in picked { sum += Int(samples[i * channels + c]) }
                    out[i] = Int16(clamping: sum)
                } else {
                    for (k, c) in picked.enumerated() { out[i * fileChannels + k] = samples[i * channels + c] }
                }
            }
            return out
        }

        /// Writes the file again with these frames after its first `from` ones, through
        /// libsndfile in the file's own format (a FLAC or Ogg stream cannot be appended to in
        /// place), and puts the copy in its place. Returns the frames the file holds after.
        func append(to path: String) -> Result<Int64, RecoveryProblem> {
            var info = SF_INFO()
            guard let input = sf_open(path, Int32(SFM_READ), &info) else {
                return .failure(RecoveryProblem("cannot be read to add its held audio (\(String(cString: sf_strerror(nil))))"))
            }
            defer { sf_close(input) }
            let fileChannels = Int(info.channels)
            guard let extra = samples(forFile: path, fileChannels: fileChannels) else {
                return .failure(RecoveryProblem("has \(fileChannels) channels; its held audio has \(channels)"))
            }
            let temporary = path + ".recovering"
            var outInfo = SF_INFO()
            outInfo.samplerate = info.samplerate
            outInfo.channels = info.channels
            outInfo.format = info.format
            guard let output = sf_open(temporary, Int32(SFM_WRITE), &outInfo) else {
                return .failure(RecoveryProblem("cannot be copied to add its held audio (\(String(cString: sf_strerror(nil))))"))
            }
            var copied: Int64 = 0
            var failed = false
            let chunk = 4096
            var buffer = [Int16](repeating: 0, count: chunk * fileChannels)
            // The frames the files share; what a file holds beyond them is cut, as for a file alone.
            while copied < from {
                let want = Int(min(Int64(chunk), from - copied))
                let got = buffer.withUnsafeMutableBufferPointer { sf_readf_short(input, $0.baseAddress, sf_count_t(want)) }
                guard got > 0 else { break }
                let put = buffer.withUnsafeBufferPointer { sf_writef_short(output, $0.baseAddress, got) }
                if put != got { failed = true; break }
                copied += Int64(got)
            }
            if !failed {
                let put = extra.withUnsafeBufferPointer { sf_writef_short(output, $0.baseAddress, sf_count_t(frames)) }
                failed = put != sf_count_t(frames)
            }
            let closed = sf_close(output)
            guard !failed, closed == 0, rename(temporary, path) == 0 else {
                unlink(temporary)
                return .failure(RecoveryProblem("could not be written with its held audio"))
            }
            return .success(copied + frames)
        }
    }
}
