import API
@testable import calltap
import CalltapTestSupport
import Control
import Engine
import Foundation
import Media
import SIP
import Testing

/// Every key of the configuration file lands in the right field of `ServerConfiguration`.
@Suite struct ConfigurationParsingTests {
    static let everyKey = """
        capture:
          interfaces: [eth1, eth2]
          filter: "udp port 5060"
          bufferMiB: 128
          promiscuous: false
          snapLength: 1600
          sipPorts: [5060, 5080]
          vxlanPorts: [4790]
        storage:
          root: /srv/rec
          format: FLAC
          channels: separate
          side: caller
          commitDelaySeconds: 1.5
          minFreeMiB: 512
          reserveMiB: 32
          journalHeldAudio: false
        http:
          bind: "[::1]:9090"
          keys:
            - { key: k-read, role: read }
            - { key: k-control, role: Control }
          publicMetrics: true
          cors: { allowedOrigins: ["https://CRM.example.com:8443", "http://localhost:3000"] }
          idleTimeoutSeconds: 75.5
          requestHeaderTimeoutSeconds: 4
          maxConnections: 300
          maxConnectionsPerClient: 12
        timezone: Europe/Berlin
        dialPlan: { stripPrefixes: ["80", "9"] }
        calls: { idleTimeoutSeconds: 45, holdTimeoutSeconds: 3600.5, recordWithoutAgent: false, rtpWithoutSignalling: false }
        blackout: { maxAgentBlackoutSeconds: 900 }
        f2f: { wrapUpSeconds: 0 }
        cluster: { broker: "amqp://u:p@broker:5672/", serverId: rec-b, blackoutExchange: bx, screenExchange: sx }
        limits: { maxBodyBytes: 2048, maxCalls: 500, reservedDescriptors: 700 }
        media: { workers: 3, inbandDtmf: true }
        recording: { defaultPolicy: on-demand }
        businessUnits: [{ id: 3, policy: always }, { id: 4, policy: on-demand }]
        agents:
          - { id: 2, businessUnit: 4, phone: "5003", systemUsername: me, crmUsername: crm-me, username: null,
              deviceId: d5003, deviceAlias: alias, station: WS-17, policy: always }
          - { id: 5, businessUnit: 3, phone: "805004" }
          - { id: 6, phone: 5005, username: u6 }
        """

    @Test func everyKeyIsReadIntoItsField() throws {
        let c = try ConfigurationFile.parse(Self.everyKey, file: "every.yaml")
        #expect(c.capture.interfaces == ["eth1", "eth2"])
        #expect(c.capture.filter == "udp port 5060")
        #expect(c.capture.bufferMiB == 128)
        #expect(c.capture.promiscuous == false)
        #expect(c.capture.snapLength == 1600)
        #expect(c.engine.sipPorts == [5060, 5080])
        #expect(c.engine.vxlanPorts == [4790])
        #expect(c.engine.storageRoot == "/srv/rec")
        #expect(c.engine.format == .flac)
        #expect(c.engine.channels == .separate)
        #expect(c.engine.side == .only("caller"))
        #expect(c.engine.commitDelaySeconds == 1.5)
        #expect(c.engine.minFreeBytes == 512 << 20)
        #expect(c.engine.reserveBytes == 32 << 20)
        #expect(c.engine.journalsHeldAudio == false)
        #expect(c.http.bind == "[::1]:9090")
        #expect(try HTTPBindAddress(parsing: c.http.bind) == HTTPBindAddress(host: "::1", port: 9090))
        #expect(c.http.keys == [.init(name: "key-1", key: "k-read", role: .read), .init(name: "key-2", key: "k-control", role: .control)])
        #expect(c.http.publicMetrics)
        #expect(c.http.allowedOrigins == ["https://crm.example.com:8443", "http://localhost:3000"])
        #expect(c.http.idleTimeoutSeconds == 75.5)
        #expect(c.http.requestHeaderTimeoutSeconds == 4)
        #expect(c.http.maxConnections == 300)
        #expect(c.http.maxConnectionsPerClient == 12)
        #expect(c.limits.reservedDescriptors == 700)
        #expect(c.engine.rtpWithoutSignalling == false)
        #expect(c.engine.inbandDTMF)
        #expect(c.engine.timeZone == "Europe/Berlin")
        #expect(c.engine.dialPlan == DialPlan(stripPrefixes: ["80", "9"]))
        #expect(c.engine.idleTimeoutSeconds == 45)
        #expect(c.engine.holdTimeoutSeconds == 3600.5)
        #expect(c.engine.recordWithoutAgent == false)
        #expect(c.blackout.maxAgentBlackoutSeconds == 900)
        #expect(c.f2f.wrapUpSeconds == 0)
        #expect(c.cluster.broker == "amqp://u:p@broker:5672/")
        #expect(c.engine.serverId == "rec-b")
        #expect(c.cluster.blackoutExchange == "bx")
        #expect(c.cluster.screenExchange == "sx")
        #expect(c.limits.maxBodyBytes == 2048)
        #expect(c.engine.maxCalls == 500)
        #expect(c.engine.mediaWorkers == 3)
        #expect(c.policies == RecordingPolicies(byBusinessUnit: [3: .always, 4: .onDemand], defaultPolicy: .onDemand))
        #expect(c.agents == [
            AgentProfile(id: 2, businessUnit: 4, phone: "5003", systemUsername: "me", crmUsername: "crm-me",
                         username: nil, deviceId: "d5003", deviceAlias: "alias", station: "WS-17", policy: .always),
            AgentProfile(id: 5, businessUnit: 3, phone: "805004"),
            // An unquoted number reads as written.
            AgentProfile(id: 6, businessUnit: 0, phone: "5005", username: "u6"),
        ])
        // Agent 5 has no policy of its own: business unit 3's; agent 6 has neither: the default.
        #expect(c.agents.map(c.policies.policy(of:)) == [.always, .always, .onDemand])
    }

    @Test func emptyFilesGiveEveryDefault() throws {
        for text in ["", "\n\n", "# only a comment\n", "~\n", "media:\ncalls:\n  idleTimeoutSeconds:\n"] {
            let c = try ConfigurationFile.parse(text, file: "empty.yaml")
            let defaults = ServerConfiguration()
            #expect(c.capture == defaults.capture)
            #expect(c.http == defaults.http)
            #expect(c.agents.isEmpty)
            #expect(c.limits.maxBodyBytes == 65536)
            #expect(c.cluster.blackoutExchange == "calltap.blackouts")
            #expect(c.cluster.screenExchange == "calltap.screen")
            #expect(c.cluster.broker == nil)
            #expect(c.engine.idleTimeoutSeconds == 30)
            #expect(c.engine.sipPorts == [5060])
            #expect(c.engine.serverId == "calltap")
            #expect(c.policies == RecordingPolicies())
        }
    }

    @Test(arguments: ["crm.example.com", "https://crm.example.com/widget", "ftp://crm.example.com", "https://", "https://a b"])
    func originsThatAreNotOrigins(origin: String) {
        #expect(throws: (any Error).self) {
            try ConfigurationFile.parse("http: { cors: { allowedOrigins: [\"\(origin)\"] } }", file: "o.yaml")
        }
    }

    @Test func bindAddressesInEveryForm() throws {
        let cases: [(String, String, Int)] = [
            ("127.0.0.1:8080", "127.0.0.1", 8080), ("[::1]:8080", "::1", 8080), ("0.0.0.0:80", "0.0.0.0", 80),
            ("localhost:65535", "localhost", 65535), ("[fe80::1:2]:1", "fe80::1:2", 1),
        ]
        for (text, host, port) in cases {
            let c = try ConfigurationFile.parse("http: { bind: \"\(text)\" }", file: "b.yaml")
            // What the check lets through, the server's own parser takes the same way.
            #expect(try HTTPBindAddress(parsing: c.http.bind) == HTTPBindAddress(host: host, port: port), "\(text)")
            #expect(c.http.bind == text)
        }
    }

    @Test func mergeKeysFillWhatTheAgentDoesNotSet() throws {
        let c = try ConfigurationFile.parse("""
            agents:
              - &base { id: 1, businessUnit: 7, phone: "100", station: WS-1, policy: on-demand }
              - { <<: *base, id: 2, phone: "101" }
            """, file: "m.yaml")
        #expect(c.agents.map(\.id) == [1, 2])
        #expect(c.agents[1].phone == "101")
        #expect(c.agents[1].businessUnit == 7)
        #expect(c.agents[1].station == "WS-1")
        #expect(c.agents[1].policy == .onDemand)
    }

    @Test func shippedConfigurationsAreValid() throws {
        let main = try ConfigurationFile.load(path: RepositoryPaths.root.appendingPathComponent("Config/calltap.yaml").path)
        #expect(main.capture.interfaces == ["eth1"])
        #expect(main.http.bind == "127.0.0.1:8080")
        #expect(main.engine.serverId == "calltap")
        #expect(main.agents.isEmpty)

        let example = try ConfigurationFile.load(
            path: RepositoryPaths.root.appendingPathComponent("Config/examples/contact-centre.yaml").path)
        #expect(example.capture.interfaces == ["eth1", "eth2"])
        #expect(example.http.keys.map(\.role) == [.read, .control])
        #expect(example.engine.timeZone == "Europe/Berlin")
        #expect(example.cluster.broker == "amqp://calltap:s3cret@broker.cc.example:5672/recording")
        #expect(example.engine.format == .flac)
        let policies = Dictionary(uniqueKeysWithValues: example.agents.map { ($0.id, example.policies.policy(of: $0)) })
        #expect(policies == [2: .always, 3: .always, 7: .onDemand, 8: .always, 20: .onDemand])
        let merged = try #require(example.agents.first { $0.id == 3 })
        #expect(merged.businessUnit == 1)
        #expect(merged.station == "WS-18")
        #expect(merged.username == nil)
        #expect(example.agents.first { $0.id == 7 }?.username == "akaya@cc.example")
    }
}
