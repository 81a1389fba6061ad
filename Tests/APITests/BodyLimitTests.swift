@testable import API
import CalltapTestSupport
import Control
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing

/// Bodies over `limits.maxBodyBytes` are refused with 413, by declared length and by what streams in.
@Suite struct BodyLimitTests {
    /// A valid command padded with metadata to `size` bytes.
    private func paddedCommand(size: Int) -> String {
        let head = #"{"AgentIdentifier": "Id", "Value": "2", "Padding": ""#
        let tail = #""}"#
        return head + String(repeating: "x", count: max(0, size - head.utf8.count - tail.utf8.count)) + tail
    }

    @Test func bodyOverTheDefaultLimitIs413() async throws {
        let recorder = await Fixture.recorder()
        #expect(ServerConfiguration().limits.maxBodyBytes == 64 * 1024)
        try await Fixture.application(recorder).test(.router) { client in
            let exact = try await client.post("/api/Record/StartForAgent", json: paddedCommand(size: 64 * 1024))
            #expect(exact.status == .ok, "a body of exactly the limit passes: \(exact.text.prefix(200))")

            let over = try await client.post("/api/Record/StartForAgent", json: paddedCommand(size: 64 * 1024 + 1))
            expectError(over, .contentTooLarge, "payload_too_large", messageContains: "65536")
        }
        #expect(await recorder.performed.count == 1)
    }

    @Test func configuredLimitApplies() async throws {
        var configuration = Fixture.configuration()
        configuration.limits.maxBodyBytes = 100
        try await Fixture.application(await Fixture.recorder(), configuration: configuration).test(.router) { client in
            expectError(try await client.post("/api/Record/UpdateForAgent", json: paddedCommand(size: 101)),
                        .contentTooLarge, "payload_too_large")
            #expect(try await client.post("/api/Record/StopForAgent", json: paddedCommand(size: 100)).status == .ok)
        }
    }

    @Test func streamedBodyWithoutLengthIsCutAtTheLimit() async throws {
        let limit = RequestBodyLimit(maxBytes: 10)
        let chunks = [ByteBuffer(string: "123456"), ByteBuffer(string: "78901")]
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/"),
                              body: RequestBody(asyncSequence: AsyncChunks(chunks: chunks)))
        await #expect(throws: ControlError(.payloadTooLarge, "the body is larger than 10 bytes")) {
            _ = try await limit.collect(request)
        }
    }

    @Test func lyingContentLengthDoesNotHelp() async throws {
        let limit = RequestBodyLimit(maxBytes: 10)
        var fields = HTTPFields()
        fields[.contentLength] = "4"
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/", headerFields: fields),
                              body: RequestBody(buffer: ByteBuffer(string: String(repeating: "x", count: 11))))
        await #expect(throws: ControlError.self) { _ = try await limit.collect(request) }
    }

    @Test func streamedBodyWithinTheLimitIsJoined() async throws {
        let limit = RequestBodyLimit(maxBytes: 10)
        let request = Request(head: HTTPRequest(method: .post, scheme: "http", authority: "localhost", path: "/"),
                              body: RequestBody(asyncSequence: AsyncChunks(chunks: [ByteBuffer(string: "12345"), ByteBuffer(string: "67890")])))
        #expect(try await limit.collect(request) == Array("1234567890".utf8))
    }

    @Test func declaredLengthOverTheLimitIsRefusedOnALiveServer() async throws {
        try await Fixture.application(await Fixture.recorder()).test(.live) { client in
            let response = try await client.post("/api/Record/StartForAgent", json: paddedCommand(size: 70_000))
            expectError(response, .contentTooLarge, "payload_too_large")
        }
    }
}

extension BodyLimitTests {
    /// A chunk announced larger than the limit is answered 413 when its size line arrives, and
    /// the connection is closed: it is not held open waiting for 2^64 - 1 bytes (issue 15).
    @Test func chunkSizeOverTheLimitIs413AndClosesTheConnection() async throws {
        var configuration = Fixture.configuration()
        configuration.limits.maxBodyBytes = 1024
        let metrics = RecorderMetrics()
        let application = Application(
            router: buildRecorderRouter(service: await Fixture.recorder(), configuration: configuration, metrics: metrics),
            server: .recorder(configuration, metrics: metrics, logger: Logger(label: "test")))
        try await application.test(.live) { client in
            let port = try #require(client.port)
            let head = "POST /api/Record/StartForAgent HTTP/1.1\r\nHost: calltap\r\nAuthorization: Bearer \(Fixture.controlKey)\r\n"
                + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
            for size in ["FFFFFFFFFFFFFFFF", "401"] {
                let connection = try RawTCPConnection(from: "127.0.0.1", to: "127.0.0.1", port: port)
                connection.send(head + size + "\r\n{\"AgentIdentifier\": ")
                let closed = try #require(await connection.waitForClose(timeout: 10), "closed after a chunk of \(size)")
                let answer = String(decoding: closed.received, as: UTF8.self)
                #expect(answer.hasPrefix("HTTP/1.1 413 "), "\(answer)")
                let body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined()
                let error = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: String]
                #expect(error == ["Code": "payload_too_large", "Message": "the body is larger than 1024 bytes"], "\(answer)")
            }
            // A chunked body within the limit is read as ever.
            let connection = try RawTCPConnection(from: "127.0.0.1", to: "127.0.0.1", port: port)
            let body = #"{"AgentIdentifier": "Id", "Value": "2"}"#
            connection.send(head + String(body.utf8.count, radix: 16) + "\r\n" + body + "\r\n0\r\n\r\n")
            let answer = String(decoding: await connection.receive(timeout: 10, until: "\r\n\r\n"), as: UTF8.self)
            #expect(answer.hasPrefix("HTTP/1.1 200 "), "\(answer)")
        }
    }
}

/// A body that arrives in pieces, with no length declared.
private struct AsyncChunks: AsyncSequence, Sendable {
    typealias Element = ByteBuffer
    let chunks: [ByteBuffer]

    struct AsyncIterator: AsyncIteratorProtocol {
        var remaining: [ByteBuffer]
        mutating func next() async -> ByteBuffer? { remaining.isEmpty ? nil : remaining.removeFirst() }
    }

    func makeAsyncIterator() -> AsyncIterator { AsyncIterator(remaining: chunks) }
}
