import Control
import Yams

extension ConfigurationReader {
    /// `calls`: when a call is dead, when a held call is, whether calls without an agent are
    /// recorded, and whether RTP without SDP makes calls.
    func readCalls(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("calls"), keys: [
            "idleTimeoutSeconds", "holdTimeoutSeconds", "recordWithoutAgent", "rtpWithoutSignalling",
        ]) else { return }
        if let idle = seconds(section["idleTimeoutSeconds"], at: section.path("idleTimeoutSeconds"),
                              minimum: 0, inclusive: false, maximum: 86_400) {
            configuration.engine.idleTimeoutSeconds = idle
        }
        if let hold = seconds(section["holdTimeoutSeconds"], at: section.path("holdTimeoutSeconds"),
                              minimum: 0, inclusive: false, maximum: 2_592_000) {
            configuration.engine.holdTimeoutSeconds = hold
        }
        if let record = flag(section["recordWithoutAgent"], at: section.path("recordWithoutAgent")) {
            configuration.engine.recordWithoutAgent = record
        }
        if let media = flag(section["rtpWithoutSignalling"], at: section.path("rtpWithoutSignalling")) {
            configuration.engine.rtpWithoutSignalling = media
        }
    }

    /// `blackout`: the longest an agent's blackout lasts before it ends by itself.
    func readBlackout(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("blackout"), keys: ["maxAgentBlackoutSeconds"]) else { return }
        if let longest = seconds(section["maxAgentBlackoutSeconds"], at: section.path("maxAgentBlackoutSeconds"),
                                 minimum: 0, inclusive: false, maximum: 86_400) {
            configuration.blackout.maxAgentBlackoutSeconds = longest
        }
    }

    /// `f2f`: how long a stopped face-to-face recording stays in wrap-up.
    func readFaceToFace(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("f2f"), keys: ["wrapUpSeconds"]) else { return }
        if let wrapUp = seconds(section["wrapUpSeconds"], at: section.path("wrapUpSeconds"),
                                minimum: 0, inclusive: true, maximum: 86_400) {
            configuration.f2f.wrapUpSeconds = wrapUp
        }
    }

    /// `media`: how many media worker threads run beside the capture thread, how much each
    /// one's ring from the capture thread holds, and whether DTMF tones are looked for in the audio.
    func readMedia(_ node: Node?, into configuration: inout ServerConfiguration) {
        guard let section = section(node, at: .root.key("media"), keys: ["workers", "ringMiB", "inbandDtmf"]) else { return }
        if let workers = integer(section["workers"], at: section.path("workers"), in: 1...64) {
            configuration.engine.mediaWorkers = workers
        }
        if let mebibytes = integer(section["ringMiB"], at: section.path("ringMiB"), in: 1...4096) {
            configuration.engine.ringBytes = mebibytes << 20
        }
        if let inband = flag(section["inbandDtmf"], at: section.path("inbandDtmf")) {
            configuration.engine.inbandDTMF = inband
        }
    }
}
