import Foundation

extension InterruptedRecording {
    /// One audio file of an interrupted recording: what is on disk, how much of it is audio that
    /// can be kept, and, once finished, whether it plays.
    struct AudioFile {
        enum Container {
            case wav(WAVHeader)
            case flac
            case ogg
        }

        var path: String
        var container: Container?
        /// Whole frames that can be kept; `nil` when the file cannot be used at all.
        var frames: Int64?
        var channels: Int?
        var sampleRate: Int?
        var format: AudioFileFormat?
        var problem: RecoveryProblem?

        private var name: String { (path as NSString).lastPathComponent }

        private init(path: String, problem: RecoveryProblem) {
            self.path = path
            self.problem = RecoveryProblem("\((path as NSString).lastPathComponent) \(problem)")
        }

        private init(path: String, container: Container, frames: Int64, channels: Int, sampleRate: Int,
                     format: AudioFileFormat?) {
            self.path = path
            self.container = container
            self.frames = frames
            self.channels = channels
            self.sampleRate = sampleRate
            self.format = format
        }

        /// Reads what is there without changing anything.
        static func inspect(path: String, expected: AudioFileFormat) -> AudioFile {
            guard FileManager.default.fileExists(atPath: path) else { return AudioFile(path: path, problem: "is missing") }
            let file: RawFile
            do { file = try RawFile(path: path, writable: false) } catch { return AudioFile(path: path, problem: error) }
            let size = file.size
            if size == 0 {
                return AudioFile(path: path, problem: "is empty: the process died before its header was written")
            }
            let magic = file.read(at: 0, count: 4) ?? []
            switch String(decoding: magic, as: UTF8.self) {
            case "RIFF", "RF64":
                switch WAVHeader.read(file) {
                case .failure(let problem):
                    return AudioFile(path: path, problem: problem)
                case .success(let header):
                    return AudioFile(path: path, container: .wav(header), frames: header.framesOnDisk,
                                     channels: header.channels, sampleRate: header.sampleRate, format: header.format)
                }
            case "fLaC", "OggS":
                let isFLAC = magic.first == UInt8(ascii: "f")
                switch SoundFileProbe.run(path: path, decodeAll: true) {
                case .failure(let problem):
                    return AudioFile(path: path, problem: problem)
                case .success(let probe):
                    return AudioFile(path: path, container: isFLAC ? .flac : .ogg, frames: probe.frames,
                                     channels: probe.channels, sampleRate: probe.sampleRate,
                                     format: isFLAC ? .flac : .oggOpus)
                }
            default:
                let kind = expected.fileExtension == "wav" ? "a RIFF/WAVE file" : "a \(expected.sidecarName) file"
                return AudioFile(path: path, problem: RecoveryProblem("is not \(kind) (it starts with \(hex(magic)))"))
            }
        }

        /// Makes the file final at `frames` frames (a WAV is cut there; a FLAC or Ogg stream
        /// cannot be cut and keeps what it has) and checks that libsndfile then reads it whole.
        func finishing(atFrames frames: Int64) -> AudioFile {
            guard let container, problem == nil else { return self }
            var finished = self
            switch container {
            case .wav(let header):
                let file: RawFile
                do { file = try RawFile(path: path, writable: true) } catch { return AudioFile(path: path, problem: error) }
                if let problem = header.rewrite(file, frames: frames) { return AudioFile(path: path, problem: problem) }
                finished.frames = frames
                switch SoundFileProbe.run(path: path, decodeAll: false) {
                case .failure(let problem):
                    return AudioFile(path: path, problem: RecoveryProblem("was repaired but then \(problem)"))
                case .success(let probe) where probe.frames != frames:
                    return AudioFile(path: path, problem: RecoveryProblem(
                        "was repaired to \(frames) frames but libsndfile reads \(probe.frames)"))
                case .success:
                    break
                }
            case .flac:
                guard let own = self.frames else { break }
                do {
                    if let problem = FLACStreamInfo.declare(own, in: try RawFile(path: path, writable: true)) {
                        return AudioFile(path: path, problem: problem)
                    }
                } catch {
                    return AudioFile(path: path, problem: error)
                }
            case .ogg:
                break
            }
            return finished
        }
    }
}

private func hex(_ bytes: [UInt8]) -> String {
    bytes.isEmpty ? "nothing" : bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
}
