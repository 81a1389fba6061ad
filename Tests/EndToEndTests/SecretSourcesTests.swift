@testable import calltap
import Control
import Foundation
import Testing

/// API keys with names, and keys and the broker password from a file or the environment instead
/// of the configuration: read as given, and each wrong way refused on its line.
@Suite(.serialized) struct SecretSourcesTests {
    @Test func keysComeInlineFromAFileOrFromTheEnvironmentWithTheirNames() throws {
        let dir = NSTemporaryDirectory() + "calltap-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "file-key-0123456789\n".write(toFile: dir + "/crm.key", atomically: true, encoding: .utf8)
        try "s3cr%t/pw\n".write(toFile: dir + "/broker.pw", atomically: true, encoding: .utf8)
        setenv("CALLTAP_TEST_KEY", "env-key-0123456789", 1)
        defer { unsetenv("CALLTAP_TEST_KEY") }
        let configuration = try ConfigurationFile.parse("""
            http:
              keys:
                - { name: wallboard, key: inline-key-0123456789, role: read }
                - { name: crm, keyFile: "\(dir)/crm.key", role: control }
                - { keyEnv: CALLTAP_TEST_KEY, role: admin }
            cluster: { broker: "amqp://calltap@broker.example:5672/", brokerPasswordFile: "\(dir)/broker.pw" }
            """, file: "t.yaml")
        #expect(configuration.http.keys == [
            .init(name: "wallboard", key: "inline-key-0123456789", role: .read),
            .init(name: "crm", key: "file-key-0123456789", role: .control),
            .init(name: "key-3", key: "env-key-0123456789", role: .admin),
        ])
        // The password reaches the connection as the file has it, whatever characters it holds.
        let endpoint = try BrokerEndpoint(url: try #require(configuration.cluster.broker))
        #expect(endpoint.user == "calltap" && endpoint.password == "s3cr%t/pw" && endpoint.host == "broker.example")

        setenv("CALLTAP_TEST_BROKER_PW", "from-env", 1)
        defer { unsetenv("CALLTAP_TEST_BROKER_PW") }
        let fromEnv = try ConfigurationFile.parse(
            #"cluster: { broker: "amqp://u:inline@b:5672/", brokerPasswordEnv: CALLTAP_TEST_BROKER_PW }"#, file: "t.yaml")
        #expect(try BrokerEndpoint(url: try #require(fromEnv.cluster.broker)).password == "from-env")
    }

    @Test func aSecretThatCannotBeHadIsAProblemOnItsLine() throws {
        let dir = NSTemporaryDirectory() + "calltap-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try "\n".write(toFile: dir + "/empty.key", atomically: true, encoding: .utf8)
        unsetenv("CALLTAP_TEST_UNSET")
        #expect(problems("""
            http:
              keys:
                - { name: a, key: k1-0123456789, keyFile: /etc/x, role: read }
                - { name: b, keyFile: "\(dir)/missing.key", role: read }
                - { name: c, keyFile: "\(dir)/empty.key", role: read }
                - { name: d, keyEnv: CALLTAP_TEST_UNSET, role: read }
                - { name: a, key: k5-0123456789, role: read }
                - { name: "has space", key: k6-0123456789, role: read }
            cluster: { brokerPasswordEnv: CALLTAP_TEST_UNSET }
            """) == [
            "t.yaml:3: http.keys[0].keyFile: give one of key, keyFile, not several",
            "t.yaml:4: http.keys[1].keyFile: cannot read '\(dir)/missing.key': No such file or directory",
            "t.yaml:5: http.keys[2].keyFile: '\(dir)/empty.key' is empty",
            "t.yaml:6: http.keys[3].keyEnv: the environment variable CALLTAP_TEST_UNSET is not set or empty",
            "t.yaml:7: http.keys[4].name: the name 'a' is already given on line 3",
            "t.yaml:8: http.keys[5].name: a key's name is 1 to 64 letters, digits, '-', '_' or '.', not 'has space'",
            "t.yaml:9: cluster.brokerPasswordEnv: the environment variable CALLTAP_TEST_UNSET is not set or empty",
        ])
        setenv("CALLTAP_TEST_SET", "x", 1)
        defer { unsetenv("CALLTAP_TEST_SET") }
        #expect(problems("cluster: { brokerPasswordEnv: CALLTAP_TEST_SET }")
                == ["t.yaml:1: cluster.brokerPasswordEnv: a broker password needs cluster.broker"])
    }

    @Test func tlsFilesAreReadAndMustBeReadable() throws {
        let dir = NSTemporaryDirectory() + "calltap-secrets-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["cert.pem", "key.pem", "ca.pem"] { try "x".write(toFile: "\(dir)/\(name)", atomically: true, encoding: .utf8) }
        let configuration = try ConfigurationFile.parse(
            "http: { tls: { certificate: \(dir)/cert.pem, privateKey: \(dir)/key.pem, clientCA: \(dir)/ca.pem } }", file: "t.yaml")
        #expect(configuration.http.tls == .init(certificate: "\(dir)/cert.pem", privateKey: "\(dir)/key.pem", clientCA: "\(dir)/ca.pem"))
        #expect(problems("http: { tls: { certificate: \(dir)/none.pem, clientCA: \(dir)/ca.pem } }") == [
            "t.yaml:1: http.tls.certificate: cannot read '\(dir)/none.pem'",
            "t.yaml:1: http.tls.privateKey: required, but missing",
        ])
    }
}
