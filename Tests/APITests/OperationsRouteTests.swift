import API
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `/healthz`, `/readyz`, `/metrics`.
@Suite struct OperationsRouteTests {
    @Test func healthIsOpenAndOK() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            let response = try await client.get("/healthz", key: nil)
            #expect(response.status == .ok)
            #expect(response.object?["Status"] as? String == "ok")
        }
    }

    @Test func readinessReportsEachPart() async throws {
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder).test(.router) { client in
            let ready = try await client.get("/readyz", key: nil)
            #expect(ready.status == .ok)
            #expect(ready.object?["Ready"] as? Bool == true)
            #expect(ready.object?["Code"] == nil)

            await recorder.setReadiness(Readiness(capture: false, storage: true, detail: "eth1: no such device"))
            let notReady = try await client.get("/readyz", key: nil)
            #expect(notReady.status == .serviceUnavailable)
            let object = try #require(notReady.object)
            #expect(object["Ready"] as? Bool == false)
            #expect(object["Capture"] as? Bool == false)
            #expect(object["Storage"] as? Bool == true)
            #expect(object["Detail"] as? String == "eth1: no such device")
            #expect(object["Code"] as? String == "unavailable")
            #expect(object["Message"] as? String == "eth1: no such device")

            await recorder.setReadiness(Readiness(capture: true, storage: false, detail: "/var/recordings: read-only"))
            let storageDown = try await client.get("/readyz", key: nil)
            #expect(storageDown.status == .serviceUnavailable)
            #expect(storageDown.object?["Storage"] as? Bool == false)
        }
    }

    @Test func metricsExposeTheRecordersCounters() async throws {
        let recorder = await Fixture.recorder()
        var snapshot = MetricsSnapshot()
        snapshot.packets = 1234
        snapshot.notUsed = ["rtpWithoutCall": 17, "malformed": 2]
        snapshot.pcapDropped = 3
        snapshot.callsSeen = 5
        snapshot.callsActive = 2
        snapshot.callsEvicted = 7
        snapshot.recordingsOpen = 1
        snapshot.recordingsFinished = 4
        snapshot.bytesWritten = 987_654
        await recorder.setMetrics(snapshot)
        let scraped = snapshot
        try await Fixture.application(recorder).test(.router) { client in
            _ = try await client.get("/api/Agent/GetAll")
            let response = try await client.get("/metrics")
            #expect(response.status == .ok)
            #expect(response.headers[.contentType]?.hasPrefix("text/plain") == true)
            let lines = Set(response.text.split(separator: "\n").map(String.init))
            for expected in [
                "calltap_packets_total 1234",
                #"calltap_packets_not_used_total{cause="rtpWithoutCall"} 17"#,
                #"calltap_packets_not_used_total{cause="malformed"} 2"#,
                "calltap_pcap_dropped_total 3",
                "calltap_calls_total 5",
                "calltap_calls_active 2.0",
                "calltap_calls_evicted_total 7",
                "calltap_recordings_open 1.0",
                "calltap_recordings_finished_total 4",
                "calltap_audio_written_bytes_total 987654",
            ] {
                #expect(lines.contains(expected), "missing \(expected) in:\n\(response.text)")
            }
            // The request before this one was timed under its route's template.
            #expect(lines.contains { $0.hasPrefix("calltap_api_request_duration_seconds_count{") && $0.contains(#"route="/api/Agent/GetAll""#)
                && $0.contains(#"status="200""#) && $0.hasSuffix(" 1") }, "\(response.text)")

            // Counters follow the snapshot: scraped again, they show the new value, not a sum.
            var later = scraped
            later.packets = 2000
            await recorder.setMetrics(later)
            let again = try await client.get("/metrics")
            #expect(again.text.contains("calltap_packets_total 2000\n"))
        }
    }

    @Test func latencyIsLabelledByTemplateNotRawPath() async throws {
        let metrics = RecorderMetrics()
        let recorder = await Fixture.recorder()
        try await Fixture.application(recorder, metrics: metrics).test(.router) { client in
            _ = try await client.get("/api/Recordings/abc")
            _ = try await client.get("/api/Recordings/def")
            _ = try await client.get("/no/such/route")
            let text = try await client.get("/metrics").text
            #expect(text.contains(#"route="/api/Recordings/:id""#))
            #expect(!text.contains("abc"))
            #expect(text.contains(#"route="NotFound""#))
        }
    }

    @Test func metricsNeedAReadKeyUnlessPublic() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.router) { client in
            expectError(try await client.get("/metrics", key: nil), .unauthorized, "unauthorized")
            #expect(try await client.get("/metrics", key: Fixture.readKey).status == .ok)
        }
        let open = Fixture.application(await Fixture.recorder(), configuration: Fixture.configuration(publicMetrics: true))
        try await open.test(.router) { client in
            let response = try await client.get("/metrics", key: nil)
            #expect(response.status == .ok)
            #expect(response.text.contains("calltap_packets_total 0"))
            // Public metrics open nothing else.
            expectError(try await client.get("/api/Agent/GetAll", key: nil), .unauthorized, "unauthorized")
        }
    }
}
