import Control
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
@testable import API

/// CORS for a CRM widget in a browser, over a real socket: a preflight `OPTIONS` is answered
/// without a key on every path; pages of an allowed origin get `Access-Control-Allow-Origin`
/// on every answer (errors too), other pages get nothing a browser would honour.
@Suite struct CrossOriginTests {
    static let crm = "https://crm.example.com"

    func configuration(_ origins: [String]) -> ServerConfiguration {
        var c = Fixture.configuration()
        c.http.allowedOrigins = origins
        return c
    }

    @Test func anAllowedPagePreflightsAndReadsTheAnswers() async throws {
        let app = Fixture.application(await Fixture.recorder(), configuration: configuration([Self.crm]))
        try await app.test(.live) { client in
            let preflight = try await client.request("/api/Record/StartForAgent", method: .options, headers: [
                .origin: Self.crm, .accessControlRequestMethod: "POST", .accessControlRequestHeaders: "authorization, content-type",
            ])
            #expect(preflight.status == .noContent)
            #expect(preflight.headers[.accessControlAllowOrigin] == Self.crm)
            #expect(preflight.headers[.accessControlAllowMethods] == "POST, OPTIONS")
            #expect(preflight.headers[.accessControlAllowHeaders] == "authorization, content-type")
            #expect(preflight.headers[.allow] == "POST, OPTIONS")

            let agent = try await client.get("/api/Agent?AgentIdentifier=Id&Value=2", headers: [.origin: Self.crm])
            #expect(agent.status == .ok)
            #expect(agent.headers[.accessControlAllowOrigin] == Self.crm)
            #expect(agent.headers[.vary] == "Origin")
            // An error reaches the page too, with its reason.
            let denied = try await client.get("/api/Agent?AgentIdentifier=Id&Value=2", key: nil, headers: [.origin: Self.crm])
            #expect(denied.status == .unauthorized)
            #expect(denied.headers[.accessControlAllowOrigin] == Self.crm)
            // A GET path lists HEAD beside it.
            let getPreflight = try await client.request("/api/Recordings/abc/Audio", method: .options, headers: [.origin: Self.crm])
            #expect(getPreflight.headers[.allow] == "GET, HEAD, OPTIONS")
        }
    }

    @Test func otherPagesGetNoCORSHeaders() async throws {
        for origins in [[], [Self.crm]] {
            let app = Fixture.application(await Fixture.recorder(), configuration: configuration(origins))
            try await app.test(.live) { client in
                let preflight = try await client.request("/api/Agent", method: .options, headers: [
                    .origin: "https://evil.example", .accessControlRequestMethod: "GET",
                ])
                #expect(preflight.status == .noContent)
                #expect(preflight.headers[.accessControlAllowOrigin] == nil)
                #expect(preflight.headers[.allow] == "GET, HEAD, OPTIONS")
                let agent = try await client.get("/api/Agent?AgentIdentifier=Id&Value=2", headers: [.origin: "https://evil.example"])
                #expect(agent.status == .ok)
                #expect(agent.headers[.accessControlAllowOrigin] == nil)
            }
        }
    }

    @Test func anyOrigin() async throws {
        let app = Fixture.application(await Fixture.recorder(), configuration: configuration(["*"]))
        try await app.test(.live) { client in
            let agent = try await client.get("/api/Agent?AgentIdentifier=Id&Value=2", headers: [.origin: "http://localhost:3000"])
            #expect(agent.headers[.accessControlAllowOrigin] == "http://localhost:3000")
        }
    }
}
