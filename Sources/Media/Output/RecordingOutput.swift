import Foundation

/// The files a recording's timeline is written to, in the configured layout: it takes the
/// timeline's interleaved frames (one channel per side) and writes them as one stereo file, one
/// mixed mono file, one mono file per side, or only the selected side.
public final class RecordingOutput {
    /// One file being written, and which of the recording's channels it holds.
    public struct File {
        public var path: String
        public var channels: [Int]
        public var roles: [String]
        let writer: SoundFileWriter
    }

    public let format: AudioFileFormat
    public let layout: ChannelLayout
    public private(set) var files: [File] = []
    private let inputChannels: Int
    private let scratch: UnsafeMutablePointer<Int16>
    private let scratchFrames: Int

    /// - Parameters:
    ///   - stem: the path without extension; a per-side file gets `-<role>` appended.
    public init(stem: String, sampleRate: Int, roles: [String], format requested: AudioFileFormat,
                layout: ChannelLayout, side: SideSelection, maxFrames: Int) throws(SoundFileError) {
        format = requested.effective(sampleRate: sampleRate)
        inputChannels = roles.count
        var kept = Array(roles.indices)
        var layout = layout
        if case .only(let role) = side, let index = roles.firstIndex(of: role) {
            kept = [index]
            layout = .separate
        }
        self.layout = layout
        scratchFrames = maxFrames
        scratch = .allocate(capacity: maxFrames * max(1, roles.count))
        let ext = format.fileExtension
        switch layout {
        case .stereo:
            files = [File(path: "\(stem).\(ext)", channels: kept, roles: kept.map { roles[$0] },
                          writer: try SoundFileWriter(path: "\(stem).\(ext)", sampleRate: sampleRate, channels: kept.count, format: format))]
        case .mono:
            files = [File(path: "\(stem).\(ext)", channels: kept, roles: ["mixed"],
                          writer: try SoundFileWriter(path: "\(stem).\(ext)", sampleRate: sampleRate, channels: 1, format: format))]
        case .separate:
            for c in kept {
                let path = kept.count == 1 && side != .both ? "\(stem).\(ext)" : "\(stem)-\(roles[c]).\(ext)"
                files.append(File(path: path, channels: [c], roles: [roles[c]],
                                  writer: try SoundFileWriter(path: path, sampleRate: sampleRate, channels: 1, format: format)))
            }
        }
    }

    deinit {
        scratch.deallocate()
    }

    public var framesWritten: Int64 { files.first?.writer.framesWritten ?? 0 }

    /// Writes `count` interleaved frames of all the recording's channels.
    public func write(frames: UnsafePointer<Int16>, count: Int) throws(SoundFileError) {
        var done = 0
        while done < count {
            let n = min(count - done, scratchFrames)
            let source = frames + done * inputChannels
            for file in files {
                if layout == .stereo && file.channels.count == inputChannels {
                    try file.writer.write(frames: source, count: n)
                    continue
                }
                for i in 0..<n {
                    if layout == .mono {
                        var sum = 0
                        for c in file.channels { sum += Int(source[i * inputChannels + c]) }
                        scratch[i] = Int16(clamping: sum)
                    } else {
                        scratch[i] = source[i * inputChannels + file.channels[0]]
                    }
                }
                try file.writer.write(frames: scratch, count: n)
            }
            done += n
        }
    }

    public func close() throws(SoundFileError) {
        for file in files { try file.writer.close() }
    }
}
