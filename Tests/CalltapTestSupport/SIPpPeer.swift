import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// One SIPp process (Debian `sip-tester`) running a scenario of `captures/make/` in a folder of
/// its own, as `captures/make/make-captures.sh` runs them: its screen goes to `sipp.log`, the SIP
/// messages it sent and received to `messages.log`.
public final class SIPpPeer: @unchecked Sendable {
    public let directory: String
    public let process: Process

    /// Starts `sipp -sf SCENARIO ARGUMENTS…` in `directory`; the scenario is copied there from
    /// `captures/make/` (the originals are never touched).
    public init(scenario: String, directory: String, arguments: [String]) throws {
        self.directory = directory
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = RepositoryPaths.root.appendingPathComponent("captures/make/" + scenario).path
        let copy = directory + "/" + scenario
        if !FileManager.default.fileExists(atPath: copy) {
            try FileManager.default.copyItem(atPath: source, toPath: copy)
        }
        let screen = directory + "/sipp.log"
        _ = FileManager.default.createFile(atPath: screen, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: screen))
        process = Process()
        process.executableURL = URL(fileURLWithPath: try Self.sipp())
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        process.arguments = ["-nostdin", "-sf", copy, "-trace_msg", "-message_file", directory + "/messages.log"] + arguments
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
        try? log.close()
    }

    static func sipp() throws -> String {
        for dir in ["/usr/bin", "/usr/local/bin"] where FileManager.default.isExecutableFile(atPath: dir + "/sipp") {
            return dir + "/sipp"
        }
        throw TestSupportError("sipp is not installed (Debian package sip-tester; `make test` installs it)")
    }

    /// The screen SIPp printed, without its terminal escapes.
    public var screen: String {
        let text = (try? String(contentsOfFile: directory + "/sipp.log", encoding: .utf8)) ?? ""
        return text.replacingOccurrences(of: "\u{1B}", with: "")
    }

    /// The SIP messages SIPp traced.
    public var messages: String { (try? String(contentsOfFile: directory + "/messages.log", encoding: .utf8)) ?? "" }

    /// The first Call-ID in the traced messages.
    public var callID: String? {
        for line in messages.split(whereSeparator: \.isNewline) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.lowercased().hasPrefix("call-id:") {
                return trimmed.dropFirst("call-id:".count).trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }

    public var isRunning: Bool { process.isRunning }

    /// Waits (bounded) for the peer to finish; its exit status.
    @discardableResult
    public func waitForExit(timeout: Double) async throws -> Int32 {
        try await Deadline.poll("SIPp in \(directory) to finish", timeout: timeout) { [process] in
            process.isRunning ? nil : true
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    public func kill() {
        guard process.isRunning else { return }
        Glibc.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// One second of sine as raw G.711 µ-law at 8 kHz (a whole number of cycles, so SIPp's
    /// `rtp_stream` loops it without a seam), made by sox as make-captures.sh makes it.
    public static func tone(path: String, hertz: Int) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/sox")
        process.arguments = ["-n", "-r", "8000", "-c", "1", "-e", "mu-law", "-t", "raw", path,
                             "synth", "1", "sine", "\(hertz)", "vol", "0.5"]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw TestSupportError("sox failed making \(path)") }
    }
}

/// One PCMU call between two SIPp peers on loopback (`uas-call.xml` and `uac-call.xml`): the
/// caller sends one tone, the callee another, from the caller's INVITE until its BYE `seconds` later.
public final class SIPpCall: @unchecked Sendable {
    public struct Plan: Sendable {
        public var callerIP: String
        public var calleeIP: String
        /// The callee's user part in the Request-URI and To (the dialled number).
        public var calleeUser = "callee"
        public var callerSIPPort: Int
        public var calleeSIPPort: Int
        public var callerRTPPort: Int
        public var calleeRTPPort: Int
        public var callerHertz = 700
        public var calleeHertz = 1100
        /// How long the caller keeps the call up after the ACK (SIPp `-d`).
        public var seconds: Double = 8

        /// Ports taken from `base`: SIP base and base+2, RTP base+4 and base+8 (SIPp also uses
        /// RTP+1 and RTP+2 for RTCP and video); 12 ports.
        public init(callerIP: String, calleeIP: String, portBase base: Int, calleeUser: String = "callee", seconds: Double = 8) {
            self.callerIP = callerIP
            self.calleeIP = calleeIP
            self.calleeUser = calleeUser
            callerSIPPort = base
            calleeSIPPort = base + 2
            callerRTPPort = base + 4
            calleeRTPPort = base + 8
            self.seconds = seconds
        }

        public var sipPorts: [Int] { [callerSIPPort, calleeSIPPort] }
    }

    public let plan: Plan
    public let callee: SIPpPeer
    public let caller: SIPpPeer

    /// Starts the callee, waits until it listens, then the caller.
    public init(_ plan: Plan, directory: String) async throws {
        self.plan = plan
        try FileManager.default.createDirectory(atPath: directory + "/uas", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: directory + "/uac", withIntermediateDirectories: true)
        try SIPpPeer.tone(path: directory + "/uas/callee.g711", hertz: plan.calleeHertz)
        try SIPpPeer.tone(path: directory + "/uac/caller.g711", hertz: plan.callerHertz)
        let codec = ["-rtp_payload", "0", "-key", "pt", "0", "-key", "codec", "PCMU", "-m", "1"]
        callee = try SIPpPeer(scenario: "uas-call.xml", directory: directory + "/uas", arguments: [
            "-i", plan.calleeIP, "-p", "\(plan.calleeSIPPort)", "-mi", plan.calleeIP, "-mp", "\(plan.calleeRTPPort)",
        ] + codec)
        let callee = self.callee
        do {
            try await Deadline.poll("the SIPp callee to listen on \(plan.calleeIP):\(plan.calleeSIPPort)", timeout: 10) {
                if !callee.isRunning { throw TestSupportError("SIPp callee exited: \(callee.screen.suffix(2000))") }
                return LivePorts.isUDPBound(ip: plan.calleeIP, port: plan.calleeSIPPort) ? true : nil
            }
            caller = try SIPpPeer(scenario: "uac-call.xml", directory: directory + "/uac", arguments: [
                "-i", plan.callerIP, "-p", "\(plan.callerSIPPort)", "-mi", plan.callerIP, "-mp", "\(plan.callerRTPPort)",
                "-d", "\(Int(plan.seconds * 1000))", "-s", plan.calleeUser, "\(plan.calleeIP):\(plan.calleeSIPPort)",
            ] + codec)
        } catch {
            callee.kill()
            throw error
        }
    }

    /// The call's Call-ID, once the caller has traced its INVITE (bounded wait).
    public func callID(timeout: Double = 10) async throws -> String {
        try await Deadline.poll("the caller's INVITE in \(caller.directory)/messages.log", timeout: timeout) { [caller] in
            caller.callID
        }
    }

    /// Waits for both peers to finish (the BYE answered) and insists that both succeeded.
    public func waitForEnd(timeout: Double) async throws {
        let callerStatus = try await caller.waitForExit(timeout: timeout)
        let calleeStatus = try await callee.waitForExit(timeout: 10)
        guard callerStatus == 0, calleeStatus == 0 else {
            throw TestSupportError("SIPp failed (caller \(callerStatus), callee \(calleeStatus)):\n"
                                   + caller.screen.suffix(1500) + "\n" + callee.screen.suffix(1500))
        }
    }

    /// Ends both peers at once (a test that failed midway).
    public func kill() {
        caller.kill()
        callee.kill()
    }
}
