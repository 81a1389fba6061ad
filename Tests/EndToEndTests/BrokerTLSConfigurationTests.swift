@testable import calltap
import Control
import Foundation
import Testing

/// `cluster.tls` for an `amqps://` broker: read as given, and each wrong way refused on its line.
@Suite struct BrokerTLSConfigurationTests {
    @Test func tlsSettingsAreReadAndWrongOnesRefusedOnTheirLines() throws {
        let dir = NSTemporaryDirectory() + "calltap-broker-tls-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        for name in ["ca.pem", "client.pem", "client.key"] { try "x".write(toFile: dir + "/" + name, atomically: true, encoding: .utf8) }
        let configuration = try ConfigurationFile.parse("""
            cluster:
              broker: "amqps://calltap:pw@broker.example/"
              tls: { caFile: "\(dir)/ca.pem", certificate: "\(dir)/client.pem", privateKey: "\(dir)/client.key" }
            """, file: "t.yaml")
        #expect(configuration.cluster.tls == BrokerTLS(caFile: dir + "/ca.pem", certificate: dir + "/client.pem",
                                                        privateKey: dir + "/client.key", verifyPeer: true))
        let unverified = try ConfigurationFile.parse(#"cluster: { broker: "amqps://b/", tls: { verifyPeer: false } }"#, file: "t.yaml")
        #expect(unverified.cluster.tls == BrokerTLS(verifyPeer: false))

        #expect(problems("""
            cluster:
              broker: "amqps://b/"
              tls: { caFile: "\(dir)/missing.pem", certificate: "\(dir)/client.pem" }
            """) == [
            "t.yaml:3: cluster.tls.caFile: cannot read '\(dir)/missing.pem'",
            "t.yaml:3: cluster.tls.certificate: a client certificate needs its key: give both certificate and privateKey, or neither",
        ])
        #expect(problems("""
            cluster:
              broker: "amqp://b/"
              tls: { verifyPeer: yes }
            """) == ["t.yaml:3: cluster.tls: cluster.tls is for an amqps:// broker; cluster.broker is amqp://"])
    }
}
