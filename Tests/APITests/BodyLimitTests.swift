@testable import API
import Control
import Hummingbird
import HummingbirdTesting
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
