import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Testing

/// `GET /api/Recordings`, `/api/Recordings/{id}` and `/api/Recordings/{id}/Audio`.
@Suite struct RecordingRouteTests {
    /// Files on disk for the index entries the tests use.
    final class Storage: Sendable {
        let folder: URL
        /// 1000 bytes: byte i is i % 251, so any range can be checked by value.
        let audio: [UInt8] = (0..<1000).map { UInt8($0 % 251) }
        let sidecar = #"{"RecordingIdentifier": "rec-a", "EndReason": "bye", "Sha256": "abc"}"#

        init() throws {
            folder = FileManager.default.temporaryDirectory.appendingPathComponent("calltap-api-\(UUID().uuidString)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data(audio).write(to: path("rec-a.wav"))
            try Data(sidecar.utf8).write(to: path("rec-a.json"))
            try Data("left channel".utf8).write(to: path("rec-sep-0.wav"))
            try Data("right channel".utf8).write(to: path("rec-sep-1.wav"))
            try Data().write(to: path("rec-empty.flac"))
        }

        func remove() { try? FileManager.default.removeItem(at: folder) }

        func path(_ name: String) -> URL { folder.appendingPathComponent(name) }

        func entry(_ id: String, start: Int64, end: Int64?, agentId: Int? = 2, callInstance: String = "call-1@pbx",
                   audio: [String]? = nil, sidecar: String? = nil) -> RecordingIndexEntry {
            RecordingIndexEntry(
                recordingIdentifier: id, callInstance: callInstance, agentId: agentId, isDuplicate: false, segment: 0,
                startNanos: start, endNanos: end, state: end == nil ? "Recording" : "Stopped", endReason: end == nil ? nil : "bye",
                sidecarPath: path(sidecar ?? "\(id).json").path, audioPaths: (audio ?? ["\(id).wav"]).map { path($0).path },
                format: "wav/pcm16", sampleRate: 8000, channelRoles: ["agent", "customer"], metadata: ["user1": "x"])
        }
    }

    /// 2026-11-22T10:00:00Z in nanoseconds, and one second.
    static let base: Int64 = 1_795_341_600 * 1_000_000_000
    static let second: Int64 = 1_000_000_000

    private func arranged() async throws -> (InMemoryRecorder, Storage) {
        let storage = try Storage()
        let recorder = await Fixture.recorder()
        await recorder.add(storage.entry("rec-a", start: Self.base, end: Self.base + 5 * Self.second))
        await recorder.add(storage.entry("rec-open", start: Self.base + 60 * Self.second, end: nil))
        await recorder.add(storage.entry("rec-sep", start: Self.base + 120 * Self.second, end: Self.base + 130 * Self.second,
                                         agentId: 7, callInstance: "call-2@pbx", audio: ["rec-sep-0.wav", "rec-sep-1.wav"]))
        await recorder.add(storage.entry("rec-nosidecar", start: Self.base - 60 * Self.second, end: Self.base, agentId: nil,
                                         audio: ["missing.wav"]))
        await recorder.add(storage.entry("rec-empty", start: Self.base - 120 * Self.second, end: Self.base, audio: ["rec-empty.flac"]))
        return (recorder, storage)
    }

    // MARK: List

    @Test func listIsNewestFirstWithPascalCaseItems() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.get("/api/Recordings")
            #expect(response.status == .ok)
            let object = try #require(response.object)
            let items = try #require(object["Items"] as? [[String: Any]])
            #expect(items.compactMap { $0["RecordingIdentifier"] as? String } == ["rec-sep", "rec-open", "rec-a", "rec-nosidecar", "rec-empty"])
            #expect(object["NextCursor"] is NSNull)
            let first = items[2]
            #expect(first["StartTime"] as? String == "2026-11-22T10:00:00.000Z")
            #expect(first["EndTime"] as? String == "2026-11-22T10:00:05.000Z")
            #expect(first["AgentId"] as? Int == 2)
            #expect(first["State"] as? String == "Stopped")
            #expect(first["ChannelRoles"] as? [String] == ["agent", "customer"])
            #expect(items[1]["EndTime"] is NSNull)
            #expect(items[0]["AudioFiles"] as? Int == 2)
            #expect(!response.text.contains(storage.folder.path), "server paths stay on the server")
        }
    }

    @Test func listFiltersAndPages() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            func ids(_ uri: String) async throws -> ([String], String?) {
                let response = try await client.get(uri)
                #expect(response.status == .ok, "\(uri): \(response.text)")
                let object = try #require(response.object)
                let items = (object["Items"] as? [[String: Any]] ?? []).compactMap { $0["RecordingIdentifier"] as? String }
                return (items, object["NextCursor"] as? String)
            }
            #expect(try await ids("/api/Recordings?agentId=7").0 == ["rec-sep"])
            #expect(try await ids("/api/Recordings?AGENTID=7").0 == ["rec-sep"], "query names ignore case")
            // The agent as every other endpoint names it.
            #expect(try await ids("/api/Recordings?AgentIdentifier=Phone&Value=5010").0 == ["rec-sep"])
            #expect(try await ids("/api/Recordings?agentIdentifier=SystemUsername&value=ME").0 == ["rec-open", "rec-a", "rec-empty"])
            #expect(try await ids("/api/Recordings?AgentIdentifier=Id&Value=7&agentId=7").0 == ["rec-sep"])
            #expect(try await ids("/api/Recordings?callInstance=call-2@pbx").0 == ["rec-sep"])
            #expect(try await ids("/api/Recordings?from=2026-11-22T11:00:00%2B01:00&to=2026-11-22T10:01:00Z").0 == ["rec-open", "rec-a"])
            #expect(try await ids("/api/Recordings?from=2026-11-22T10:00:59.500Z").0 == ["rec-sep", "rec-open"])

            let (firstPage, cursor) = try await ids("/api/Recordings?limit=2")
            #expect(firstPage == ["rec-sep", "rec-open"])
            let next = try #require(cursor)
            let (secondPage, secondCursor) = try await ids("/api/Recordings?limit=2&cursor=\(next)")
            #expect(secondPage == ["rec-a", "rec-nosidecar"])
            let (lastPage, lastCursor) = try await ids("/api/Recordings?limit=2&cursor=\(try #require(secondCursor))")
            #expect(lastPage == ["rec-empty"])
            #expect(lastCursor == nil)
        }
    }

    @Test func badListParametersAre400() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            for query in ["agentId=two", "limit=0", "limit=1001", "limit=x", "from=yesterday", "to=2026-13-01T00:00:00Z",
                          "from=2026-11-22T11:00:00Z&to=2026-11-22T10:00:00Z"] {
                expectError(try await client.get("/api/Recordings?\(query)"), .badRequest, "bad_request")
            }
            // Filters hold together: agentId and AgentIdentifier naming two agents match nothing.
            let disagreeing = try await client.get("/api/Recordings?AgentIdentifier=Id&Value=7&agentId=2")
            #expect(disagreeing.status == .ok && disagreeing.text.contains(#""Items":[]"#), "\(disagreeing.text)")
            // A misspelt filter is refused, not ignored (it would answer every agent's recordings).
            expectError(try await client.get("/api/Recordings?agent=7"), .badRequest, "bad_request", messageContains: "'agent'")
            expectError(try await client.get("/api/Recordings?callInstance=x&Fromm=2026-11-22T10:00:00Z&limt=2"), .badRequest,
                        "bad_request", messageContains: "'fromm', 'limt'")
            // The agent named as on /api/Agent, with its errors.
            expectError(try await client.get("/api/Recordings?AgentIdentifier=Phone"), .badRequest, "missing_parameter")
            expectError(try await client.get("/api/Recordings?AgentIdentifier=Shoe&Value=5010"), .badRequest, "invalid_identifier")
            // An agent nobody is.
            let unknown = try await client.get("/api/Recordings?AgentIdentifier=Phone&Value=9999")
            #expect(unknown.status == .notFound)
        }
    }

    @Test func storageFailureIs503() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        await recorder.failStorage(ControlError(.unavailable, "the recordings index cannot be read"))
        try await Fixture.application(recorder).test(.router) { client in
            expectError(try await client.get("/api/Recordings"), .serviceUnavailable, "unavailable", messageContains: "index")
            expectError(try await client.get("/api/Recordings/rec-a"), .serviceUnavailable, "unavailable")
        }
    }

    @Test func internalFaultIs500() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        await recorder.failStorage(ControlError(.internalFault, "index corrupt"))
        try await Fixture.application(recorder).test(.router) { client in
            expectError(try await client.get("/api/Recordings"), .internalServerError, "internal")
        }
    }

    // MARK: One recording

    @Test func finishedRecordingAnswersItsSidecar() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.get("/api/Recordings/rec-a")
            #expect(response.status == .ok)
            #expect(response.text == storage.sidecar)
            #expect(response.headers[.contentType]?.hasPrefix("application/json") == true)
        }
    }

    @Test func openRecordingAnswersItsIndexEntryWithState() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.get("/api/Recordings/rec-open")
            #expect(response.status == .ok)
            let object = try #require(response.object)
            #expect(object["RecordingIdentifier"] as? String == "rec-open")
            #expect(object["State"] as? String == "Recording")
            #expect(object["EndTime"] is NSNull)
            #expect(object["Metadata"] as? [String: String] == ["user1": "x"])
        }
    }

    @Test func missingSidecarFallsBackToTheIndexEntry() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.get("/api/Recordings/rec-nosidecar")
            #expect(response.status == .ok)
            #expect(response.object?["State"] as? String == "Stopped")
            #expect(response.object?["AgentId"] is NSNull)
        }
    }

    @Test func unknownRecordingIs404() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            expectError(try await client.get("/api/Recordings/nope"), .notFound, "not_found", messageContains: "nope")
            expectError(try await client.get("/api/Recordings/nope/Audio"), .notFound, "not_found")
        }
    }

    // MARK: Audio

    @Test func audioIsServedWhole() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.get("/api/Recordings/rec-a/Audio")
            #expect(response.status == .ok)
            #expect(Array(buffer: response.body) == storage.audio)
            #expect(response.headers[.contentType] == "audio/wav")
            #expect(response.headers[.acceptRanges] == "bytes")
            #expect(response.headers[.contentLength] == "1000")
            #expect(response.headers[.contentDisposition]?.contains("rec-a.wav") == true)
        }
    }

    @Test func byteRangesAre206() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let cases: [(String, ClosedRange<Int>)] = [
                ("bytes=0-99", 0...99), ("bytes=500-", 500...999), ("bytes=-10", 990...999),
                ("bytes=990-5000", 990...999), ("bytes=7-7", 7...7), ("BYTES=1-2", 1...2),
            ]
            for (header, range) in cases {
                let response = try await client.get("/api/Recordings/rec-a/Audio", headers: [.range: header])
                #expect(response.status == .partialContent, "\(header)")
                #expect(Array(buffer: response.body) == Array(storage.audio[range]), "\(header)")
                #expect(response.headers[.contentRange] == "bytes \(range.lowerBound)-\(range.upperBound)/1000", "\(header)")
                #expect(response.headers[.contentLength] == String(range.count), "\(header)")
            }
        }
    }

    @Test func unsatisfiableRangesAre416() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            for header in ["bytes=1000-", "bytes=5000-6000", "bytes=-0"] {
                let response = try await client.get("/api/Recordings/rec-a/Audio", headers: [.range: header])
                expectError(response, .rangeNotSatisfiable, "range_not_satisfiable")
                #expect(response.headers[.contentRange] == "bytes */1000")
            }
            let empty = try await client.get("/api/Recordings/rec-empty/Audio", headers: [.range: "bytes=0-"])
            expectError(empty, .rangeNotSatisfiable, "range_not_satisfiable")
        }
    }

    @Test func unusableRangeHeadersServeTheWholeFile() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            for header in ["bytes=0-1,5-6", "items=0-5", "bytes=9-3", "bytes=a-b", "bytes="] {
                let response = try await client.get("/api/Recordings/rec-a/Audio", headers: [.range: header])
                #expect(response.status == .ok, "\(header)")
                #expect(Array(buffer: response.body) == storage.audio, "\(header)")
            }
        }
    }

    @Test func separateLayoutServesEachChannel() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let left = try await client.get("/api/Recordings/rec-sep/Audio?channel=0")
            #expect(left.status == .ok)
            #expect(left.text == "left channel")
            let right = try await client.get("/api/Recordings/rec-sep/Audio?Channel=1", headers: [.range: "bytes=0-4"])
            #expect(right.status == .partialContent)
            #expect(right.text == "right")
            expectError(try await client.get("/api/Recordings/rec-sep/Audio"), .badRequest, "missing_parameter", messageContains: "channel")
            expectError(try await client.get("/api/Recordings/rec-sep/Audio?channel=2"), .badRequest, "bad_request")
            expectError(try await client.get("/api/Recordings/rec-a/Audio?channel=1"), .badRequest, "bad_request")
            #expect(try await client.get("/api/Recordings/rec-a/Audio?channel=0").status == .ok)
        }
    }

    @Test func openRecordingAudioIs409() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            expectError(try await client.get("/api/Recordings/rec-open/Audio"), .conflict, "conflict", messageContains: "still being written")
        }
    }

    @Test func missingAudioFileIs404() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            expectError(try await client.get("/api/Recordings/rec-nosidecar/Audio"), .notFound, "not_found", messageContains: "missing")
        }
    }

    @Test func emptyFileIsServedEmpty() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.router) { client in
            let response = try await client.get("/api/Recordings/rec-empty/Audio")
            #expect(response.status == .ok)
            #expect(response.body.readableBytes == 0)
            #expect(response.headers[.contentType] == "audio/flac")
        }
    }

    @Test func rangesWorkOverALiveServer() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.live) { client in
            let response = try await client.get("/api/Recordings/rec-a/Audio", headers: [.range: "bytes=100-199"])
            #expect(response.status == .partialContent)
            #expect(Array(buffer: response.body) == Array(storage.audio[100...199]))
            #expect(response.headers[.contentRange] == "bytes 100-199/1000")
        }
    }

    /// Load balancers and download tools ask with HEAD: every GET answers it over a real socket
    /// with the GET's status and headers (Content-Length included) and no body.
    @Test func headAnswersLikeGetWithoutABody() async throws {
        let (recorder, storage) = try await arranged()
        defer { storage.remove() }
        try await Fixture.application(recorder).test(.live) { client in
            for path in ["/healthz", "/readyz", "/api/Agent/GetAll", "/api/Recordings/rec-a/Audio", "/api/Recordings/no-such/Audio"] {
                let get = try await client.request(path, method: .get)
                let head = try await client.request(path, method: .head)
                #expect(head.status == get.status, "\(path)")
                #expect(head.status != .methodNotAllowed, "\(path)")
                #expect(head.body.readableBytes == 0, "\(path)")
                #expect(head.headers[.contentType] == get.headers[.contentType], "\(path)")
                #expect(head.headers[.contentLength] == String(get.body.readableBytes), "\(path)")
            }
        }
    }
}
