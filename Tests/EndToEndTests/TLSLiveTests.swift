import CalltapTestSupport
import Foundation
import Testing

/// The API over HTTPS with certificates made by openssl here, spoken to by curl: served with the
/// configured chain, refused in plain HTTP and to a client that trusts another CA, renewed on
/// SIGHUP without a restart; with `clientCA`, only clients with a certificate from that CA get
/// in. The audit trail names the key and the client's address of a request made over HTTPS.
/// Needs root (libpcap on `lo`), openssl and curl.
@Suite(.serialized) struct TLSLiveTests {
    let dir = RepositoryPaths.temporaryDirectory("calltap-tls")

    /// Runs a tool; its exit status and what it printed (standard output and error together).
    @discardableResult
    func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let log = dir + "/tool-\(UUID().uuidString.prefix(8)).log"
        let status = try ChildProcess.run(arguments, logPath: log, timeout: 30)
        return (status, (try? String(contentsOfFile: log, encoding: .utf8)) ?? "")
    }

    /// CAs (`name`.pem, `name`.key) and the certificates they sign, in `dir`.
    var certificates: TestCertificates { TestCertificates(directory: dir) }

    func config(clientCA: Bool) throws -> String {
        let path = dir + "/calltap-\(clientCA ? "mutual" : "tls").yaml"
        try """
        capture: { interfaces: [lo], filter: "udp port 9" }
        storage: { root: "\(dir)/recordings-\(clientCA)" }
        http:
          bind: "127.0.0.1:0"
          keys: [ { name: ops, key: ops-key-0123456789, role: admin } ]
          tls: { certificate: "\(dir)/server.pem", privateKey: "\(dir)/server.key"\(clientCA ? ", clientCA: \"\(dir)/ca.pem\"" : "") }
        """.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func curl(_ server: LiveServer, _ path: String, scheme: String = "https", key: String = "ops-key-0123456789",
              extra: [String] = []) throws -> (status: Int32, output: String) {
        let address = server.baseURL.replacingOccurrences(of: "http://", with: "")
        return try run(["/usr/bin/curl", "-sS", "-v", "--max-time", "10", "-H", "Authorization: Bearer \(key)"]
                       + extra + ["\(scheme)://\(address)\(path)"])
    }

    @Test func theAPIIsServedOverHTTPSOnlyAndRenewsItsCertificateOnSIGHUP() async throws {
        try certificates.makeCA("ca")
        try certificates.makeCA("other-ca")
        try certificates.issue("server", subject: "calltap-first", by: "ca")
        let server = try await LiveServer(config: try config(clientCA: false), logPath: dir + "/serve.log")
        defer { server.kill() }
        #expect(server.log.contains("tls=true"))

        var answer = try curl(server, "/healthz", extra: ["--cacert", "\(dir)/ca.pem"])
        #expect(answer.status == 0 && answer.output.contains(#"{"Status":"ok"}"#), "\(answer.output)")
        #expect(answer.output.contains("CN=calltap-first"), "\(answer.output)")
        // Plain HTTP gets no answer; a client that trusts another CA refuses the server.
        answer = try curl(server, "/healthz", scheme: "http")
        #expect(answer.status != 0 && !answer.output.contains(#"{"Status":"ok"}"#), "\(answer.output)")
        answer = try curl(server, "/healthz", extra: ["--cacert", "\(dir)/other-ca.pem"])
        #expect(answer.status == 60, "curl: certificate not trusted: \(answer.output)")

        // Over HTTPS, the audit trail has the key's name and the client's address.
        answer = try curl(server, "/api/Recordings/no-such/Hold", extra: ["--cacert", "\(dir)/ca.pem", "-X", "POST"])
        #expect(answer.output.contains("404"), "\(answer.output)")
        answer = try curl(server, "/api/Audit", extra: ["--cacert", "\(dir)/ca.pem"])
        let body = try #require(answer.output.split(separator: "\n").last { $0.hasPrefix("{") })
        let items = try #require((try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any])?["Items"] as? [[String: Any]])
        #expect(items.first?["Actor"] as? String == "ops" && items.first?["Status"] as? Int == 404, "\(items)")
        #expect((items.first?["Client"] as? String)?.hasPrefix("127.0.0.1:") == true, "\(items)")

        // Renewed on disk, served after SIGHUP; connections need no restart of the server.
        try certificates.issue("server", subject: "calltap-renewed", by: "ca")
        kill(server.pid, SIGHUP)
        let renewed = try await Deadline.poll("the renewed certificate to be served", timeout: 15) { () -> String? in
            let answer = try curl(server, "/healthz", extra: ["--cacert", "\(dir)/ca.pem"])
            return answer.output.contains("CN=calltap-renewed") ? answer.output : nil
        }
        #expect(renewed.contains(#"{"Status":"ok"}"#))
        #expect(server.log.contains("TLS certificate reloaded"))
        #expect(server.isRunning)
    }

    @Test func withAClientCAOnlyClientsWithItsCertificatesGetIn() async throws {
        try certificates.makeCA("ca")
        try certificates.makeCA("other-ca")
        try certificates.issue("server", subject: "calltap", by: "ca")
        try certificates.issue("client", subject: "crm", by: "ca", client: true)
        try certificates.issue("stranger", subject: "stranger", by: "other-ca", client: true)
        let server = try await LiveServer(config: try config(clientCA: true), logPath: dir + "/serve-mutual.log")
        defer { server.kill() }
        let trusting = ["--cacert", "\(dir)/ca.pem"]
        var answer = try curl(server, "/healthz", extra: trusting + ["--cert", "\(dir)/client.pem", "--key", "\(dir)/client.key"])
        #expect(answer.status == 0 && answer.output.contains(#"{"Status":"ok"}"#), "\(answer.output)")
        answer = try curl(server, "/healthz", extra: trusting)
        #expect(answer.status != 0 && !answer.output.contains(#"{"Status":"ok"}"#), "no client certificate: \(answer.output)")
        answer = try curl(server, "/healthz", extra: trusting + ["--cert", "\(dir)/stranger.pem", "--key", "\(dir)/stranger.key"])
        #expect(answer.status != 0 && !answer.output.contains(#"{"Status":"ok"}"#), "another CA's client: \(answer.output)")
    }

    @Test func deskStreamStartsItsRecordingOverHTTPS() async throws {
        try certificates.makeCA("ca")
        try certificates.makeCA("other-ca")
        try certificates.issue("server", subject: "calltap", by: "ca")
        let path = dir + "/calltap-desk.yaml"
        try """
        capture: { interfaces: [lo], filter: "udp and host 127.0.26.1" }
        storage: { root: "\(dir)/recordings-desk" }
        http:
          bind: "127.0.0.1:0"
          keys: [ { name: desk, key: desk-key-0123456789, role: control } ]
          tls: { certificate: "\(dir)/server.pem", privateKey: "\(dir)/server.key" }
        agents: [ { id: 4, phone: "5004" } ]
        """.write(toFile: path, atomically: true, encoding: .utf8)
        let server = try await LiveServer(config: path, logPath: dir + "/serve-desk.log")
        defer { server.kill() }
        // An F2F start waits for the capture to have read a packet.
        let kicked = try run(["/bin/bash", "-c", "for i in 1 2 3; do echo x > /dev/udp/127.0.26.1/9; sleep 0.2; done"])
        #expect(kicked.status == 0)
        let tone = try run(["/usr/bin/sox", "-n", "-r", "8000", "-c", "1", "-b", "16", dir + "/mic.wav", "synth", "1", "sine", "700"])
        try #require(tone.status == 0, "\(tone.output)")
        let address = server.baseURL.replacingOccurrences(of: "http://", with: "")
        let desk = ["desk-stream", "--microphone", dir + "/mic.wav", "--to", "127.0.26.1:40000", "--codec", "pcmu",
                    "--server", "https://\(address)", "--agent-identifier", "Phone", "--agent", "5004",
                    "--api-key", "desk-key-0123456789", "--json"]
        var outcome = try CalltapProcess.run(desk + ["--ca-file", dir + "/other-ca.pem"])
        #expect(outcome.status == 1 && outcome.standardError.contains("not trusted"), "\(outcome.standardError)")
        outcome = try CalltapProcess.run(desk + ["--ca-file", dir + "/ca.pem"])
        #expect(outcome.status == 0, "\(outcome.standardError)")
        let summary = try JSONSerialization.jsonObject(with: Data(outcome.standardOutput.utf8)) as? [String: Any]
        let location = try #require(summary?["RecordingLocation"] as? String, "\(outcome.standardOutput)")
        #expect(location.hasPrefix("/api/F2F/Recordings/"))
        // The start and the stop went over HTTPS: the trail has them under the desk's key.
        let answer = try curl(server, "/api/F2F/Recordings/\(location.split(separator: "/").last ?? "")",
                              key: "desk-key-0123456789", extra: ["--cacert", "\(dir)/ca.pem"])
        #expect(answer.output.contains(#""AgentId":4"#), "\(answer.output)")
    }
}
