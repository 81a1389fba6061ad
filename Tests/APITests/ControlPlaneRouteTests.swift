import API
import Atomics
import CalltapTestSupport
import Control
import Engine
import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
import Wire

/// The routes over the real control plane: a real engine replays the first seconds of a SIPp
/// call (caller "caller" 700 Hz, callee "callee" 1100 Hz) and then holds, so that the call is
/// in progress while HTTP requests come in through the engine's inbox, as they do live.
@Suite(.serialized) struct ControlPlaneRouteTests {
    /// A capture file played flat out up to `seconds` after its first packet, then silent until stopped.
    final class HeldSource: PacketSource, @unchecked Sendable {
        let file: PcapSource
        let holdNanos: Int64
        var first: Int64?
        var holding = false {
            didSet { if holding { reachedHold.store(true, ordering: .releasing) } }
        }
        /// Set once everything before the hold was handed to the engine (and so, one read later, processed).
        let reachedHold = ManagedAtomic<Bool>(false)
        var linkTypes: [LinkType] { file.linkTypes }

        init(_ file: PcapSource, holdAfter seconds: Double) {
            self.file = file
            holdNanos = Int64(seconds * 1e9)
        }

        func next() -> SourceRead {
            if holding {
                usleep(1000)
                return .idle(nanos: nil)
            }
            switch file.read() {
            case .packet(let bytes, let nanos):
                if first == nil { first = nanos }
                if nanos - first! > holdNanos {
                    holding = true
                    return .idle(nanos: nil)
                }
                return .packet(bytes, nanos: nanos, link: 0)
            case .end, .truncated:
                holding = true
                return .idle(nanos: nil)
            }
        }
    }

    /// The engine on its own thread with the plane over it; `stop()` ends it and waits.
    final class RunningPlane: @unchecked Sendable {
        let plane: ControlPlane
        let storage: String
        let source: HeldSource
        private let stopFlag = ManagedAtomicBox()
        private let done = DispatchSemaphore(value: 0)

        init(capture: String, holdAfter seconds: Double, agents: [AgentProfile],
             configure: (inout ServerConfiguration) -> Void = { _ in }) throws {
            storage = RepositoryPaths.temporaryDirectory("calltap-routes")
            var configuration = ServerConfiguration()
            configuration.engine.storageRoot = storage
            configuration.engine.mediaWorkers = 1
            configuration.agents = agents
            configure(&configuration)
            let engine = CaptureEngine(configuration: configuration.engine)
            let store = try SQLiteTrackerStore(path: storage + "/calltap.sqlite")
            plane = ControlPlane(configuration: configuration, engine: engine, store: store)
            let source = HeldSource(try PcapSource.open(file: RepositoryPaths.capture(capture)), holdAfter: seconds)
            self.source = source
            let plane = plane, flag = stopFlag, done = done
            // Both belong to the engine's thread from here on.
            nonisolated(unsafe) let owned = (engine, source)
            let thread = Thread {
                plane.setCapture(running: true, detail: "replaying")
                _ = owned.0.run(owned.1, stop: flag.atomic)
                plane.setCapture(running: false, detail: "replay finished")
                plane.tracker.flush()
                done.signal()
            }
            thread.start()
        }

        func stop() {
            stopFlag.atomic.store(true, ordering: .relaxed)
            done.wait()
        }
    }

    static let agents = [
        AgentProfile(id: 2, phone: "callee", systemUsername: "me", deviceId: "5003", station: "WS-17", policy: .always),
        AgentProfile(id: 3, phone: "4000", systemUsername: "idle", policy: .onDemand),
    ]

    static func body(_ json: String) -> ByteBuffer { ByteBuffer(string: json) }

    func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any])
    }

    /// Waits until the engine has taken in the part of the capture before the hold: a command
    /// then goes through its inbox after every packet of it.
    func waitForHold(_ running: RunningPlane, _ client: some TestClientProtocol) async throws {
        for _ in 0..<1000 where !running.source.reachedHold.load(ordering: .acquiring) {
            try await Task.sleep(nanoseconds: 10_000_000)
        }
        let held = running.source.reachedHold.load(ordering: .acquiring)
        #expect(held)
        // A command runs on the engine's thread after what it has read: one round trip settles it.
        _ = try await client.request("/api/Record/UpdateForAgent", method: .post,
                                     body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"probe": "1"}}"#))
    }

    @Test func agentStateAndRecordingCommandsDuringARealCall() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4, agents: Self.agents)
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            try await waitForHold(running, client)
            var r = try await client.request("/api/Agent?agentidentifier=phone&value=callee", method: .get)
            #expect(r.status == .ok)
            var active = try #require(try json(r)["ActiveCall"] as? [String: Any])
            #expect(active["CallInstance"] as? String == "1-712@127.0.10.1")
            let metadata = try #require(active["Metadata"] as? [String: String])
            #expect(metadata["ani"] == "caller")
            #expect(metadata["dnis"] == "callee")
            #expect(metadata["calldirection"] == "I")
            #expect(metadata["deviceid"] == "5003")
            var recordings = try #require(active["Recordings"] as? [[String: Any]])
            #expect(recordings.count == 1)
            #expect(recordings.first?["RecordingState"] as? String == "Recording")

            r = try await client.request("/api/Record/UpdateForAgent", method: .post,
                                         body: Self.body(#"{"agentIdentifier": "Id", "value": 2, "callMetadata": {"user1": "order-42"}}"#))
            #expect(r.status == .ok)
            #expect(((try json(r)["ActiveCall"] as? [String: Any])?["Metadata"] as? [String: String])?["user1"] == "order-42")

            r = try await client.request("/api/Record/PauseForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "SystemUsername", "Value": "me"}"#))
            #expect(r.status == .ok)
            active = try #require(try json(r)["ActiveCall"] as? [String: Any])
            #expect((active["Recordings"] as? [[String: Any]])?.first?["RecordingState"] as? String == "Paused")
            r = try await client.request("/api/Record/ResumeForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "DeviceId", "Value": "5003"}"#))
            #expect(((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])?.first?["RecordingState"] as? String == "Recording")

            r = try await client.request("/api/Record/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            #expect(r.status == .ok)
            recordings = try #require((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])
            #expect(recordings.map { $0["RecordingState"] as? String } == ["Stopped"])
            // Stopping what is not running changes nothing.
            r = try await client.request("/api/Record/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            #expect(r.status == .ok)
            #expect(((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])?
                .map { $0["RecordingState"] as? String } == ["Stopped"])

            r = try await client.request("/api/Record/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            recordings = try #require((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])
            #expect(recordings.map { $0["RecordingState"] as? String } == ["Stopped", "Recording"])
            #expect(Set(recordings.compactMap { $0["RecordingIdentifier"] as? String }).count == 2)
            // Starting what runs changes nothing.
            r = try await client.request("/api/Record/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            #expect(((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])?.count == 2)

            r = try await client.request("/api/Record/StartDuplicateForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "CallIdentifier": "1-712@127.0.10.1"}"#))
            recordings = try #require((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])
            #expect(recordings.filter { $0["IsDuplicate"] as? Bool == true }.count == 1)
            r = try await client.request("/api/Record/StartDuplicateForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "CallIdentifier": "other"}"#))
            #expect(r.status == .notFound)
            #expect(try json(r)["Code"] as? String == "call_not_found")
            r = try await client.request("/api/Record/StopDuplicateForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            recordings = try #require((try json(r)["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])
            #expect(recordings.map { $0["RecordingState"] as? String } == ["Stopped", "Recording", "Stopped"])

            r = try await client.request("/api/ScreenRecord/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            let screens = try #require((try json(r)["ActiveCall"] as? [String: Any])?["ScreenRecordings"] as? [[String: Any]])
            #expect(screens.first?["RelatedCallInstance"] as? String == "1-712@127.0.10.1")

            // A blackout further back than the commit delay is clamped; this server runs alone.
            r = try await client.request("/api/Blackout/StartForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "TimeOffset": -10}"#))
            #expect(r.status == .ok)
            var state = try json(r)
            let applied = try #require(state["Applied"] as? [String: Any])
            #expect(applied["Clamped"] as? Bool == true)
            #expect(applied["Shared"] as? Bool == false)
            #expect((state["Blackout"] as? [String: Any])?["Active"] as? Bool == true)
            #expect((state["Blackout"] as? [String: Any])?["Origin"] as? String == "calltap")
            recordings = try #require((state["ActiveCall"] as? [String: Any])?["Recordings"] as? [[String: Any]])
            #expect(recordings.map { $0["RecordingState"] as? String } == ["Stopped", "BlackedOut", "Stopped"])
            r = try await client.request("/api/Blackout/StopForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "BlackoutStopTime": "2001-01-01T00:00:00+01:00"}"#))
            #expect(r.status == .badRequest)
            r = try await client.request("/api/Blackout/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            state = try json(r)
            #expect((state["Blackout"] as? [String: Any])?["Active"] as? Bool == false)
            let stoppedApplied = try #require(state["Applied"] as? [String: Any])
            // Both times are ISO 8601 in UTC with milliseconds: they compare as text.
            let startTime = try #require(applied["StartTime"] as? String), stopTime = try #require(stoppedApplied["StopTime"] as? String)
            #expect(stoppedApplied["StartTime"] as? String == startTime)
            #expect(stopTime > startTime)
            r = try await client.request("/api/Agent?agentIdentifier=Id&value=2", method: .get)
            #expect(try json(r)["Applied"] == nil)

            // The agent without a call.
            r = try await client.request("/api/Record/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "3"}"#))
            #expect(r.status == .notFound)
            #expect(try json(r)["Code"] as? String == "no_active_call")
            r = try await client.request("/api/Record/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "99"}"#))
            #expect(try json(r)["Code"] as? String == "agent_not_found")

            r = try await client.request("/api/Agent/GetAll", method: .get)
            let all = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [[String: Any]])
            #expect(all.compactMap { $0["AgentId"] as? Int } == [2, 3])
            #expect(all[1]["ActiveCall"] is NSNull)

            r = try await client.request("/readyz", method: .get)
            #expect(r.status == .ok)

            // Counters come from the engine, read on its thread.
            r = try await client.request("/metrics", method: .get)
            let text = String(buffer: r.body)
            #expect(text.contains("calltap_calls_total 1"))
            let packets = text.split(separator: "\n").first { $0.hasPrefix("calltap_packets_total ") }
            #expect((packets.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0) > 100)
        }
    }

    /// Screen recordings of a call: Start takes its CallMetadata into the call; Update reaches
    /// the running one only (after a stop it is a 404 and the call keeps its metadata); a stopped
    /// one stays listed as Stopped, as a stopped audio recording does, and a new start adds another.
    @Test func screenRecordingsOfACallOverTheirLife() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4, agents: Self.agents)
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            try await waitForHold(running, client)
            func active(_ r: TestResponse) throws -> [String: Any] { try #require(try json(r)["ActiveCall"] as? [String: Any]) }
            func screens(_ r: TestResponse) throws -> [[String: Any]] { try #require(try active(r)["ScreenRecordings"] as? [[String: Any]]) }

            var r = try await client.request("/api/ScreenRecord/StartForAgent", method: .post,
                                             body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"user3": "case-7"}}"#))
            #expect(r.status == .ok)
            #expect((try active(r)["Metadata"] as? [String: String])?["user3"] == "case-7")
            let first = try #require(try screens(r).first?["ScreenRecordingidentifier"] as? String)
            #expect(try screens(r).map { $0["RecordingState"] as? String } == ["Recording"])

            r = try await client.request("/api/ScreenRecord/UpdateForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"user4": "x"}}"#))
            #expect(r.status == .ok)
            #expect((try active(r)["Metadata"] as? [String: String])?["user4"] == "x")

            r = try await client.request("/api/ScreenRecord/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            #expect(r.status == .ok)
            #expect(try screens(r).map { $0["RecordingState"] as? String } == ["Stopped"])
            #expect(try screens(r).first?["ScreenRecordingidentifier"] as? String == first)

            r = try await client.request("/api/ScreenRecord/UpdateForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "CallMetadata": {"ticket": "late"}}"#))
            #expect(r.status == .notFound)
            #expect(try json(r)["Code"] as? String == "call_not_found")
            r = try await client.request("/api/Agent?agentIdentifier=Id&value=2", method: .get)
            #expect((try active(r)["Metadata"] as? [String: String])?["ticket"] == nil)
            #expect(try screens(r).map { $0["RecordingState"] as? String } == ["Stopped"])
            // Stopping again changes nothing.
            r = try await client.request("/api/ScreenRecord/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            #expect(r.status == .ok)
            #expect(try screens(r).count == 1)

            r = try await client.request("/api/ScreenRecord/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            #expect(try screens(r).map { $0["RecordingState"] as? String } == ["Stopped", "Recording"])
            #expect(try Set(screens(r).compactMap { $0["ScreenRecordingidentifier"] as? String }).count == 2)

            // An agent without a call records the screen as a desktop-only session.
            r = try await client.request("/api/ScreenRecord/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "3"}"#))
            #expect(r.status == .ok)
            let state = try json(r)
            #expect(state["ActiveCall"] is NSNull)
            let sessions = try #require(state["DesktopOnlySessions"] as? [[String: Any]])
            #expect(sessions.map { $0["Kind"] as? String } == ["Screen"], "\(sessions)")
            r = try await client.request("/api/ScreenRecord/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "3"}"#))
            #expect(r.status == .ok)
            // Only running desktop-only sessions are listed.
            #expect((try json(r)["DesktopOnlySessions"] as? [Any])?.isEmpty == true)
        }
    }

    /// A paced replay: an explicit BlackoutStartTime is the client's wall-clock time and goes
    /// through the replay's offset to the capture time it means (it once stayed wall time, and
    /// the blackout was scheduled days ahead of the capture).
    @Test func anExplicitBlackoutTimeInAPacedReplayIsWallClock() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 4, agents: Self.agents)
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            try await waitForHold(running, client)
            func applied(_ r: TestResponse) throws -> [String: Any] { try #require(try json(r)["Applied"] as? [String: Any]) }
            // The capture clock now, as a blackout without a time takes it.
            var r = try await client.request("/api/Blackout/StartForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            let captureNow = try #require(try applied(r)["StartTime"] as? String)
            _ = try await client.request("/api/Blackout/StopForAgent", method: .post, body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2"}"#))
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            let captureDate = try #require(formatter.date(from: captureNow))
            // The replay started a whole number of seconds ago by the wall clock.
            let offsetSeconds = (Date().timeIntervalSince(captureDate)).rounded()
            let offset = Int64(offsetSeconds) * 1_000_000_000
            running.plane.setWallOffset { offset }
            let wall = formatter.string(from: captureDate.addingTimeInterval(offsetSeconds + 0.5))
            r = try await client.request("/api/Blackout/StartForAgent", method: .post,
                                         body: Self.body(#"{"AgentIdentifier": "Id", "Value": "2", "BlackoutStartTime": "\#(wall)"}"#))
            #expect(r.status == .ok)
            #expect(try applied(r)["StartTime"] as? String == formatter.string(from: captureDate.addingTimeInterval(0.5)))
        }
    }

    @Test func recordingsIndexListsWhatTheCallRecorded() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 100, agents: Self.agents)
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            // The whole capture plays; the BYE finishes the recording and the index has it.
            var items: [[String: Any]] = []
            for _ in 0..<500 where items.isEmpty {
                let r = try await client.request("/api/Recordings?callInstance=1-712@127.0.10.1", method: .get)
                #expect(r.status == .ok)
                let page = try #require(try JSONSerialization.jsonObject(with: Data(buffer: r.body)) as? [String: Any])
                #expect(page.keys.contains("NextCursor"))
                items = (page["Items"] as? [[String: Any]] ?? []).filter { $0["State"] as? String == "Stopped" }
                if items.isEmpty { try await Task.sleep(nanoseconds: 10_000_000) }
            }
            #expect(items.count == 1)
            let id = try #require(items.first?["RecordingIdentifier"] as? String)
            let sidecar = try await client.request("/api/Recordings/\(id)", method: .get)
            #expect(sidecar.status == .ok)
            #expect(try json(sidecar)["EndReason"] as? String == "bye")
            let audio = try await client.request("/api/Recordings/\(id)/Audio", method: .get)
            #expect(audio.status == .ok)
            #expect(audio.body.readableBytes > 100_000)
            // /metrics counts the recording and its file's bytes as they are on disk.
            var metrics = ""
            for _ in 0..<100 {
                metrics = String(buffer: try await client.request("/metrics", method: .get).body)
                if Self.value(of: "calltap_recordings_finished_total", in: metrics) == 1 { break }
                try await Task.sleep(nanoseconds: 10_000_000)
            }
            #expect(Self.value(of: "calltap_recordings_finished_total", in: metrics) == 1)
            #expect(Self.value(of: "calltap_audio_written_bytes_total", in: metrics) == Double(audio.body.readableBytes))
        }
        running.stop()
        #expect(await running.plane.readiness().capture == false)
    }

    /// `/metrics` and `/readyz` never wait on the capture thread: while it is stuck (here, in a
    /// command that blocks it), both still answer, the heartbeat's age grows and readiness turns
    /// 503; when it moves again, so do they.
    @Test func aStalledCaptureThreadShowsInMetricsAndReadiness() async throws {
        let running = try RunningPlane(capture: "sipp-g711-tones.pcap", holdAfter: 3, agents: Self.agents) {
            $0.capture.stallSeconds = 0.5
        }
        defer { running.stop() }
        let app = Application(router: buildRecorderRouter(service: running.plane, configuration: ServerConfiguration()))
        try await app.test(.router) { client in
            try await waitForHold(running, client)
            var ready = try await client.request("/readyz", method: .get)
            #expect(ready.status == .ok)
            var metrics = String(buffer: try await client.request("/metrics", method: .get).body)
            #expect(metrics.contains("calltap_ring_fill_ratio{worker=\"0\"}"))
            #expect(metrics.contains("calltap_ring_fill_peak_ratio{worker=\"0\"}"))
            #expect(metrics.contains("calltap_finisher_backlog"))
            // The call's recording holds its last 2 s in the pool (which other tests share).
            let held = try #require(Self.value(of: "calltap_held_audio_bytes", in: metrics))
            #expect(held > 0)
            #expect(try #require(Self.value(of: "calltap_held_audio_mapped_bytes", in: metrics)) >= held)
            let before = try #require(Self.value(of: "calltap_capture_heartbeat_age_seconds", in: metrics))
            #expect(before < 0.5)
            // The capture thread of this plane has read the call's first 3 s: its packets are counted.
            #expect(try #require(Self.value(of: "calltap_packets_total", in: metrics)) > 100)

            let release = DispatchSemaphore(value: 0)
            _ = running.plane.engine.inbox.submit { _ in release.wait() }
            try await Task.sleep(nanoseconds: 1_200_000_000)
            metrics = String(buffer: try await client.request("/metrics", method: .get).body)
            let stalled = try #require(Self.value(of: "calltap_capture_heartbeat_age_seconds", in: metrics))
            #expect(stalled >= 1.0)
            ready = try await client.request("/readyz", method: .get)
            #expect(ready.status == .serviceUnavailable)
            let detail = try json(ready)["Detail"] as? String ?? ""
            #expect(detail.contains("stalled"), "\(detail)")

            release.signal()
            var recovered = false
            for _ in 0..<200 where !recovered {
                try await Task.sleep(nanoseconds: 10_000_000)
                recovered = try await client.request("/readyz", method: .get).status == .ok
            }
            #expect(recovered)
        }
    }

    /// The value of an unlabelled sample in a Prometheus exposition.
    static func value(of name: String, in exposition: String) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + " ") {
            return Double(line.dropFirst(name.count + 1))
        }
        return nil
    }
}

/// A stop flag shared with the engine's thread.
final class ManagedAtomicBox: @unchecked Sendable {
    let atomic = ManagedAtomic<Bool>(false)
}
