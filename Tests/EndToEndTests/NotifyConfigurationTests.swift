@testable import calltap
import CalltapTestSupport
import Control
import Foundation
import Testing

/// `notify`: webhooks are http or https URLs with a non-empty secret (given, or from a file or the
/// environment), listed once; the retry bounds are seconds in range. check-config reports each problem on its line.
@Suite struct NotifyConfigurationTests {
    @Test func webhooksAndRetriesAreRead() throws {
        let c = try ConfigurationFile.parse("""
            notify:
              webhooks:
                - { url: "https://crm.example.com/calltap", secret: s3cret }
                - url: "http://10.0.0.5:8080/hook"
                  secret: "another one"
              retryFirstSeconds: 2
              retryMaxSeconds: 600
              timeoutSeconds: 5
            """, file: "t.yaml")
        #expect(c.notify.webhooks == [.init(url: "https://crm.example.com/calltap", secret: "s3cret"),
                                      .init(url: "http://10.0.0.5:8080/hook", secret: "another one")])
        #expect(c.notify.retryFirstSeconds == 2)
        #expect(c.notify.retryMaxSeconds == 600)
        #expect(c.notify.timeoutSeconds == 5)
    }

    @Test func aSecretMayComeFromAFileOrTheEnvironment() throws {
        let file = RepositoryPaths.temporaryDirectory("calltap-notify") + "/secret"
        try "from-a-file\n".write(toFile: file, atomically: true, encoding: .utf8)
        let c = try ConfigurationFile.parse("""
            notify:
              webhooks:
                - { url: "https://a.example.com/hook", secretFile: "\(file)" }
                - { url: "https://b.example.com/hook", secretEnv: PATH }
            """, file: "t.yaml")
        #expect(c.notify.webhooks.map(\.secret) == ["from-a-file", ProcessInfo.processInfo.environment["PATH"]])
    }

    @Test func theDefaultsAnnounceToNoWebhookWithRetriesFromOneSecondToFiveMinutes() throws {
        let c = try ConfigurationFile.parse("", file: "t.yaml")
        #expect(c.notify == NotifySettings())
        #expect(c.notify.webhooks.isEmpty)
        #expect(c.notify.retryFirstSeconds == 1)
        #expect(c.notify.retryMaxSeconds == 300)
    }

    @Test func badWebhooksAreReportedOnTheirLines() {
        #expect(problems("""
            notify:
              webhooks:
                - { url: "ftp://crm.example.com/x", secret: a }
                - { url: "https://crm.example.com/other", secret: "" }
                - { url: "crm.example.com/hook", secret: b }
                - { secret: c }
                - { url: "https://nosecret.example.com/hook" }
                - { url: "https://crm.example.com/hook", secret: d }
                - { url: "https://crm.example.com/hook", secret: e }
                - { url: "http:///nohost", secret: f, token: x }
              retryFirstSeconds: 0
              retryMaxSeconds: 99999999
            """) == [
            "t.yaml:3: notify.webhooks[0].url: bad webhook URL 'ftp://crm.example.com/x': the scheme must be http or https, not 'ftp'",
            "t.yaml:4: notify.webhooks[1].secret: must not be empty",
            "t.yaml:5: notify.webhooks[2].url: bad webhook URL 'crm.example.com/hook': not a URL (http://host[:port]/path or https://…)",
            "t.yaml:6: notify.webhooks[3].url: required, but missing",
            "t.yaml:7: notify.webhooks[4]: secret, secretFile or secretEnv is required",
            "t.yaml:9: notify.webhooks[6].url: the same webhook is already listed on line 8",
            "t.yaml:10: notify.webhooks[7].token: unknown key 'token' under notify.webhooks[7]",
            "t.yaml:10: notify.webhooks[7].url: bad webhook URL 'http:///nohost': it names no host",
            "t.yaml:11: notify.retryFirstSeconds: must be more than 0 and at most 3600 seconds, not 0",
            "t.yaml:12: notify.retryMaxSeconds: must be more than 0 and at most 86400 seconds, not 99999999",
        ])
    }
}
