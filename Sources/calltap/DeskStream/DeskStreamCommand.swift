import ArgumentParser
import Foundation
import Media

/// `calltap desk-stream`: plays a bank adviser's desk application. Sends a microphone WAV (and a
/// speaker WAV) as RTP in real time, one UDP socket and SSRC per stream, and can start and stop
/// the F2F recording around the stream through the Face-to-Face API.
struct DeskStreamCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "desk-stream",
        abstract: "Stream WAV files as RTP in real time, as a desk application does for a face-to-face recording.",
        discussion: """
            The microphone goes to the first --to address and the speaker to the second (with one \
            address, both go to it, from different ports). A file shorter than the other is followed \
            by encoded silence, so both streams end together. With --server, the F2F recording is \
            started before the first packet (StartedBy Desktop) and stopped after the last, also \
            on Ctrl-C (exit 130). Exit 2 on bad input, 1 when the server refuses.
            """
    )

    @Option(help: ArgumentHelp("The agent's microphone: a WAV file (any rate, any channels).", valueName: "file.wav"))
    var microphone: String

    @Option(help: ArgumentHelp("The agent's speaker (what the customer says): a WAV file.", valueName: "file.wav"))
    var speaker: String?

    @Option(help: ArgumentHelp("Where to send: the microphone's address, then the speaker's.", valueName: "host:port[,host:port]"))
    var to: String

    @Option(help: ArgumentHelp("opus, pcmu, pcma or g722.", valueName: "codec"))
    var codec: String

    @Option(help: ArgumentHelp("Milliseconds of audio per packet (Opus: 10, 20, 40, 60; others: 10 to 60 in steps of 10).", valueName: "ms"))
    var ptime: Int = 20

    @Option(help: ArgumentHelp("Send the microphone from this UDP port and the speaker from the port + 2 (default: ports the system picks).", valueName: "port"))
    var fromPort: Int?

    @Option(help: ArgumentHelp("Start and stop the F2F recording on this calltap server.", valueName: "http[s]://host:port"))
    var server: String?

    @Option(help: ArgumentHelp("With an https:// server: the CA file (PEM) its certificate must chain to (default: the system's CAs).", valueName: "file"))
    var caFile: String?

    @Option(help: ArgumentHelp("How --agent names the agent: Id, Phone, SystemUsername, CrmUsername, Username or DeviceId.", valueName: "kind"))
    var agentIdentifier: String?

    @Option(help: ArgumentHelp("The agent's identifier of that kind.", valueName: "value"))
    var agent: String?

    @Option(help: ArgumentHelp("API key with the control role (sent as Authorization: Bearer).", valueName: "key"))
    var apiKey: String?

    @Option(name: .customLong("tag"), parsing: .upToNextOption,
            help: ArgumentHelp("Tags for the recording (repeatable).", valueName: "key=value"))
    var tags: [String] = []

    @Option(help: ArgumentHelp("The F2F media to record: Audio, Screen or Both.", valueName: "media"))
    var media: String?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    static let agentIdentifiers = ["Id", "Phone", "SystemUsername", "CrmUsername", "Username", "DeviceId"]
    static let mediaKinds = ["Audio", "Screen", "Both"]

    func run() throws {
        let interrupted: Bool
        do throws(DeskStreamError) {
            interrupted = try stream(try prepare())
        } catch {
            FileHandle.standardError.write(Data("calltap: \(error)\n".utf8))
            throw ExitCode(error.exitStatus)
        }
        // 128 + SIGINT, as a shell reports a command ended by Ctrl-C.
        if interrupted { throw ExitCode(130) }
    }

    /// Everything checked and opened before the server is told anything.
    private struct Plan {
        var codec: DeskCodec
        var streams: [DeskStream]
        var session: (client: DeskAPIClient, request: F2FStartRequest)?
    }

    private func prepare() throws(DeskStreamError) -> Plan {
        guard let codec = DeskCodec(rawValue: codec.lowercased()) else {
            throw .badInput("unknown codec \(self.codec) (opus, pcmu, pcma, g722)")
        }
        guard codec.packetTimes.contains(ptime) else {
            throw .badInput("--ptime \(ptime) does not suit \(codec.rawValue) (\(codec.packetTimes.map(String.init).joined(separator: ", ")))")
        }
        if let fromPort, !(1...65533).contains(fromPort) {
            throw .badInput("--from-port \(fromPort) is not a port from which two streams can be sent (1-65533)")
        }
        let session = try sessionRequest()

        let addresses = to.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        guard (1...2).contains(addresses.count) else { throw .badInput("--to takes one or two addresses, not \(addresses.count)") }
        if addresses.count == 2 && speaker == nil { throw .badInput("--to has a speaker address but there is no --speaker file") }
        // The server tells the streams apart by where they are sent.
        if session != nil && speaker != nil && addresses.count == 1 {
            throw .badInput("--server with --speaker needs two --to addresses (microphone,speaker): a recording tells its streams apart by address")
        }
        var destinations: [UDPDestination] = []
        for text in addresses {
            do { destinations.append(try UDPDestination(text)) } catch { throw .badInput(error.description) }
        }

        var files: [(DeskAudioRole, String, UDPDestination)] = [(.microphone, microphone, destinations[0])]
        if let speaker { files.append((.speaker, speaker, destinations.count == 2 ? destinations[1] : destinations[0])) }
        var ssrcs = Set<UInt32>()
        var streams: [DeskStream] = []
        var declared: [F2FStartRequest.Stream] = []
        for (index, (role, path, destination)) in files.enumerated() {
            let input: SoundFileInput
            do { input = try SoundFileInput(path: path) } catch { throw .badInput(error.description) }
            var ssrc = UInt32.random(in: .min ... .max)
            while !ssrcs.insert(ssrc).inserted { ssrc = UInt32.random(in: .min ... .max) }
            let sender: RTPSender
            do {
                sender = try RTPSender(to: destination, fromPort: fromPort.map { $0 + 2 * index }, payloadType: codec.payloadType,
                                       timestampStep: codec.timestampStep(ptime: ptime), ssrc: ssrc)
            } catch {
                throw .badInput(error.description)
            }
            let source = DeskAudioSource(input: input, rate: codec.audioRate, frameSamples: codec.frameSamples(ptime: ptime))
            streams.append(DeskStream(role: role, codec: codec, source: source, sender: sender))
            // The numeric address: the server declares IP addresses, not names.
            declared.append(F2FStartRequest.Stream(source: role.rawValue, address: UDPDestination.describe(destination.address),
                                                   codec: codec.streamName))
        }
        return Plan(codec: codec, streams: streams, session: session.map { session in
            var request = session.request
            request.streams = declared
            return (session.client, request)
        })
    }

    /// The client and the start request (streams still empty) when --server is given.
    private func sessionRequest() throws(DeskStreamError) -> (client: DeskAPIClient, request: F2FStartRequest)? {
        guard let server else {
            if agentIdentifier != nil || agent != nil || apiKey != nil || !tags.isEmpty || media != nil {
                throw .badInput("--agent-identifier, --agent, --api-key, --tag and --media need --server")
            }
            return nil
        }
        guard let agentIdentifier, let agent else { throw .badInput("--server needs --agent-identifier and --agent") }
        guard let kind = Self.agentIdentifiers.first(where: { $0.lowercased() == agentIdentifier.lowercased() }) else {
            throw .badInput("unknown agent identifier \(agentIdentifier) (\(Self.agentIdentifiers.joined(separator: ", ")))")
        }
        let mediaText = media ?? "Audio"
        guard let mediaKind = Self.mediaKinds.first(where: { $0.lowercased() == mediaText.lowercased() }) else {
            throw .badInput("unknown --media \(mediaText) (\(Self.mediaKinds.joined(separator: ", ")))")
        }
        var tagValues: [String: String] = [:]
        for tag in tags {
            guard let equals = tag.firstIndex(of: "="), equals != tag.startIndex else { throw .badInput("--tag \(tag) is not key=value") }
            tagValues[String(tag[..<equals])] = String(tag[tag.index(after: equals)...])
        }
        let client: DeskAPIClient
        do { client = try DeskAPIClient(server: server, apiKey: apiKey, caFile: caFile) } catch { throw .badInput(error.description) }
        let request = F2FStartRequest(agentIdentifier: kind, value: agent, media: mediaKind,
                                      audioSource: speaker == nil ? DeskAudioRole.microphone.rawValue : "Both",
                                      streams: [], tags: tagValues)
        return (client, request)
    }

    /// Starts the recording, streams, stops it and reports; whether SIGINT cut the stream short.
    private func stream(_ plan: Plan) throws(DeskStreamError) -> Bool {
        DeskInterrupt.install()
        var session: F2FRecordingSession?
        if let (client, request) = plan.session {
            session = try F2FRecordingSession.start(request, client: client)
        }
        let pacer = DeskStreamPacer(streams: plan.streams, ptimeNanoseconds: Int64(ptime) * 1_000_000)
        let (ticks, interrupted) = pacer.run()
        // Stopped even after Ctrl-C: the desk ends what it started.
        var stopFailure: DeskStreamError?
        if let session {
            do { try session.stop() } catch { stopFailure = error }
        }
        report(plan, ticks: ticks, location: session?.location)
        for stream in plan.streams where stream.sender.failedSends > 0 {
            let reason = String(cString: strerror(stream.sender.lastSendError))
            FileHandle.standardError.write(Data(("calltap: \(stream.role.rawValue.lowercased()): \(stream.sender.failedSends) of "
                                                 + "\(stream.sender.packets) packets not sent to \(stream.sender.destination) (\(reason))\n").utf8))
        }
        if let stopFailure { throw stopFailure }
        if interrupted {
            FileHandle.standardError.write(Data("calltap: interrupted after \(ticks) packets per stream\n".utf8))
        }
        return interrupted
    }

    private func report(_ plan: Plan, ticks: Int, location: String?) {
        let seconds = Double(ticks * ptime) / 1000
        if json {
            let summary = DeskStreamSummary(streams: plan.streams.map {
                DeskStreamSummary.Stream(source: $0.role.rawValue, ssrc: $0.sender.ssrc, packets: $0.sender.packets,
                                         codec: plan.codec.streamName, from: $0.sender.source, to: $0.sender.destination)
            }, seconds: seconds, recordingLocation: location)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            if let data = try? encoder.encode(summary) { print(String(decoding: data, as: UTF8.self)) }
            return
        }
        for s in plan.streams {
            let padded = s.sender.packets - s.audioFrames
            print("\(s.role.rawValue.lowercased()): \(s.sender.packets) packets of \(plan.codec.streamName) (PT \(s.sender.payloadType), "
                  + "SSRC \(String(format: "0x%08x", s.sender.ssrc))) from \(s.sender.source) to \(s.sender.destination), "
                  + String(format: "%.2f s", seconds) + (padded > 0 ? ", the last \(padded) silence" : ""))
        }
        if let location { print("recording: \(location)") }
    }
}
