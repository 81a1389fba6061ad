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
        let writer: any AudioFileWriter
    }

    public let format: AudioFileFormat
    public let layout: ChannelLayout
    public private(set) var files: [File] = []
    private let inputChannels: Int

    /// - Parameters:
    ///   - stem: the path without extension; a per-side file gets `-<role>` appended.
    public init(stem: String, sampleRate: Int, roles: [String], format requested: AudioFileFormat,
                layout: ChannelLayout, side: SideSelection) throws(SoundFileError) {
        let plan = Self.plan(stem: stem, sampleRate: sampleRate, roles: roles, format: requested, layout: layout, side: side)
        format = plan.format
        self.layout = plan.layout
        inputChannels = roles.count
        for f in plan.files {
            let channels = plan.layout == .mono ? 1 : f.channels.count
            let writer: any AudioFileWriter = format == .wav
                ? try WAVFileWriter(path: f.path, sampleRate: sampleRate, channels: channels)
                : try SoundFileWriter(path: f.path, sampleRate: sampleRate, channels: channels, format: format)
            files.append(File(path: f.path, channels: f.channels, roles: f.roles, writer: writer))
        }
    }

    /// The files a recording of this shape is written to, without opening them.
    public static func plan(stem: String, sampleRate: Int, roles: [String], format requested: AudioFileFormat,
                            layout requestedLayout: ChannelLayout, side: SideSelection)
        -> (format: AudioFileFormat, layout: ChannelLayout, files: [(path: String, channels: [Int], roles: [String])]) {
        let format = requested.effective(sampleRate: sampleRate)
        var kept = Array(roles.indices)
        var layout = requestedLayout
        if case .only(let role) = side, let index = roles.firstIndex(of: role) {
            kept = [index]
            layout = .separate
        }
        let ext = format.fileExtension
        switch layout {
        case .stereo:
            return (format, layout, [("\(stem).\(ext)", kept, kept.map { roles[$0] })])
        case .mono:
            return (format, layout, [("\(stem).\(ext)", kept, ["mixed"])])
        case .separate:
            return (format, layout, kept.map { c in
                let path = kept.count == 1 && side != .both ? "\(stem).\(ext)" : "\(stem)-\(roles[c]).\(ext)"
                return (path, [c], [roles[c]])
            })
        }
    }

    public var framesWritten: Int64 { files.first?.writer.framesWritten ?? 0 }

    /// Writes `count` interleaved frames of all the recording's channels.
    public func write(frames: UnsafePointer<Int16>, count: Int) throws(SoundFileError) {
        var done = 0
        // A mono or per-side file takes one sample a frame.
        let scratch = ThreadScratch.buffer(.layout)
        while done < count {
            let n = min(count - done, ThreadScratch.samples)
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
