@testable import calltap
import Testing

/// A configuration with problems is rejected with every one of them, each on its own line as
/// `FILE:LINE: key.path: what is wrong`.
@Suite struct ConfigurationErrorTests {
    @Test func everyProblemIsListedWithItsLine() {
        let text = """
            capture:
              interfaces: [eth1]
              bufferMiB: 0
              sipPorts: [5060, 0, 70000]
              promiscuous: maybe
            storage:
              format: mp3
              channels: quad
              commitDelaySeconds: -1
            http:
              bind: "localhost"
              keys:
                - { key: "", role: read }
                - { key: abc, role: owner }
            timezone: Mars/Olympus
            calls:
              idleTimeoutSecond: 30
              holdTimeoutSeconds: -5
            limits: { maxBodyBytes: 100 }
            agents:
              - { id: 1, phone: "5003" }
              - { id: 1, phone: "5004" }
              - { id: 3, phone: "5003", policy: sometimes }
            media: { workers: "two" }
            """
        #expect(problems(text) == [
            "t.yaml:3: capture.bufferMiB: must be between 1 and 4096, not 0",
            "t.yaml:4: capture.sipPorts[1]: port must be between 1 and 65535, not 0",
            "t.yaml:4: capture.sipPorts[2]: port must be between 1 and 65535, not 70000",
            "t.yaml:5: capture.promiscuous: expected true or false, found 'maybe'",
            "t.yaml:7: storage.format: unknown format 'mp3' (wav, wav-ulaw, wav-alaw, flac, ogg-opus)",
            "t.yaml:8: storage.channels: unknown channel layout 'quad' (stereo, mono, separate)",
            "t.yaml:9: storage.commitDelaySeconds: must be at least 0 and at most 60 seconds, not -1",
            "t.yaml:11: http.bind: bad bind address 'localhost': no port (host:port)",
            "t.yaml:13: http.keys[0].key: must not be empty",
            "t.yaml:14: http.keys[1].role: unknown role 'owner' (read, control, admin)",
            "t.yaml:15: timezone: unknown time zone 'Mars/Olympus' (an IANA name such as UTC or Europe/Berlin)",
            "t.yaml:17: calls.idleTimeoutSecond: unknown key 'idleTimeoutSecond' under calls (did you mean 'idleTimeoutSeconds'?)",
            "t.yaml:18: calls.holdTimeoutSeconds: must be more than 0 and at most 2592000 seconds, not -5",
            "t.yaml:19: limits.maxBodyBytes: must be between 1024 and 67108864, not 100",
            "t.yaml:22: agents[1].id: duplicate agent id 1 (agents[0], line 21)",
            "t.yaml:23: agents[2].policy: unknown policy 'sometimes' (always, on-demand)",
            "t.yaml:23: agents[2].phone: duplicate phone '5003' (agents[0], line 21)",
            "t.yaml:24: media.workers: expected a whole number, found 'two'",
        ])
    }

    @Test func unknownKeysAtEveryLevel() {
        #expect(problems("captrue:\n  sipPorts: [5060]\n") == [
            "t.yaml:1: captrue: unknown key 'captrue' at the top level (did you mean 'capture'?)",
        ])
        #expect(problems("http:\n  keys:\n    - { key: abc, role: read, scope: all }\n") == [
            "t.yaml:3: http.keys[0].scope: unknown key 'scope' under http.keys[0]",
        ])
        #expect(problems("agents:\n  - id: 1\n    phone: \"1\"\n    sationn: WS-1\n") == [
            "t.yaml:4: agents[0].sationn: unknown key 'sationn' under agents[0] (did you mean 'station'?)",
        ])
        #expect(problems("calls:\n  idleTimeoutSeconds: 3\n  idleTimeoutSeconds: 4\n") == [
            "t.yaml:3: calls.idleTimeoutSeconds: duplicate key 'idleTimeoutSeconds' (first on line 2)",
        ])
    }

    @Test func wrongTypes() {
        #expect(problems("capture: [eth1]\n") == ["t.yaml:1: capture: expected a mapping (key: value), found a list"])
        #expect(problems("capture:\n  interfaces: eth1\n") == ["t.yaml:2: capture.interfaces: expected a list, found 'eth1'"])
        #expect(problems("agents: { id: 1 }\n") == ["t.yaml:1: agents: expected a list, found a mapping"])
        #expect(problems("calls:\n  recordWithoutAgent: \"true\"\n") == [
            "t.yaml:2: calls.recordWithoutAgent: expected true or false, found 'true'",
        ])
        #expect(problems("calls:\n\n  idleTimeoutSeconds: soon\n") == [
            "t.yaml:3: calls.idleTimeoutSeconds: expected a number of seconds, found 'soon'",
        ])
        #expect(problems("capture:\n  bufferMiB: 1.5\n") == ["t.yaml:2: capture.bufferMiB: expected a whole number, found '1.5'"])
        #expect(problems("storage:\n  root: { a: 1 }\n") == ["t.yaml:2: storage.root: expected a string, found a mapping"])
        #expect(problems("http:\n  keys: [abc]\n") == ["t.yaml:2: http.keys[0]: expected a mapping (key: value), found 'abc'"])
        #expect(problems("just a string\n") == ["t.yaml:1: expected a mapping (key: value), found 'just a string'"])
    }

    @Test func outOfRangeValues() {
        #expect(problems("calls: { idleTimeoutSeconds: 0 }\n") == [
            "t.yaml:1: calls.idleTimeoutSeconds: must be more than 0 and at most 86400 seconds, not 0",
        ])
        #expect(problems("blackout:\n  maxAgentBlackoutSeconds: -1\nf2f:\n  wrapUpSeconds: -0.5\n") == [
            "t.yaml:2: blackout.maxAgentBlackoutSeconds: must be more than 0 and at most 86400 seconds, not -1",
            "t.yaml:4: f2f.wrapUpSeconds: must be at least 0 and at most 86400 seconds, not -0.5",
        ])
        #expect(problems("capture:\n  vxlanPorts:\n    - 4789\n    - 65536\n") == [
            "t.yaml:4: capture.vxlanPorts[1]: port must be between 1 and 65535, not 65536",
        ])
        #expect(problems("limits:\n  maxBodyBytes: 1023\n  maxCalls: 0\n") == [
            "t.yaml:2: limits.maxBodyBytes: must be between 1024 and 67108864, not 1023",
            "t.yaml:3: limits.maxCalls: must be between 1 and 10000000, not 0",
        ])
        #expect(problems("http:\n  idleTimeoutSeconds: 0\n  requestHeaderTimeoutSeconds: 3601\n  maxConnections: 0\n  maxConnectionsPerClient: ten\n") == [
            "t.yaml:2: http.idleTimeoutSeconds: must be more than 0 and at most 86400 seconds, not 0",
            "t.yaml:3: http.requestHeaderTimeoutSeconds: must be more than 0 and at most 3600 seconds, not 3601",
            "t.yaml:4: http.maxConnections: must be between 1 and 1000000, not 0",
            "t.yaml:5: http.maxConnectionsPerClient: expected a whole number, found 'ten'",
        ])
        #expect(problems("limits: { reservedDescriptors: 15 }\n") == [
            "t.yaml:1: limits.reservedDescriptors: must be between 16 and 10000000, not 15",
        ])
        #expect(problems("media: { workers: 0 }\n") == ["t.yaml:1: media.workers: must be between 1 and 64, not 0"])
        #expect(problems("calls: { holdTimeoutSeconds: .inf }\n") == [
            "t.yaml:1: calls.holdTimeoutSeconds: expected a number of seconds, found '.inf'",
        ])
    }

    @Test func badBindAddresses() {
        let cases: [(String, String)] = [
            ("127.0.0.1:65536", "port must be between 0 and 65535, not 65536"),
            ("::1:8080", "an IPv6 host goes in brackets ([::1]:8080)"),
            ("[::1]8080", "no ':port' after ']'"),
            ("[::g]:8080", "'::g' is not an IPv6 address"),
            ("300.1.1.1:80", "'300.1.1.1' is not an IPv4 address"),
            (":8080", "no host before ':'"),
            ("127.0.0.1:http", "'http' is not a port number"),
            ("my host:80", "'my host' is not a host name or address"),
        ]
        for (bind, reason) in cases {
            #expect(problems("# bind\nhttp:\n  bind: \"\(bind)\"\n") == ["t.yaml:3: http.bind: bad bind address '\(bind)': \(reason)"])
        }
    }

    @Test func keysAndRoles() {
        #expect(problems("""
            http:
              keys:
                - { key: abc }
                - { key: "  ", role: read }
                - { role: read }
                - { key: def, role: write }
                - { key: abc, role: control }
                -
            """) == [
            "t.yaml:3: http.keys[0].role: required, but missing",
            "t.yaml:4: http.keys[1].key: must not be empty",
            "t.yaml:5: http.keys[2]: key, keyFile or keyEnv is required",
            "t.yaml:6: http.keys[3].role: unknown role 'write' (read, control, admin)",
            "t.yaml:7: http.keys[4].key: the same key is already listed on line 3",
            "t.yaml:8: http.keys[5]: expected {name, key, role}, found nothing",
        ])
    }

    @Test func agentProblems() {
        #expect(problems("""
            dialPlan: { stripPrefixes: ["80"] }
            agents:
              - { id: 1, phone: "5003", systemUsername: me }
              - { id: 2, phone: "805003" }
              - { id: 3 }
              - { phone: "5010", systemUsername: Me }
              - { id: -4, phone: "5011", businessUnit: x }
              - { id: 5, phone: "80" }
            businessUnits:
              - { id: 1, policy: always }
              - { id: 1, policy: never }
            recording: { defaultPolicy: sometimes }
            """) == [
            "t.yaml:4: agents[1].phone: phone '805003' is '5003' after the dial plan, the same as agents[0] (line 3)",
            "t.yaml:5: agents[2].phone: required, but missing",
            "t.yaml:6: agents[3].id: required, but missing",
            "t.yaml:6: agents[3].systemUsername: duplicate systemUsername 'Me' (agents[0], line 3; names are matched without regard to case)",
            "t.yaml:7: agents[4].id: must be between 0 and 2147483647, not -4",
            "t.yaml:7: agents[4].businessUnit: expected a whole number, found 'x'",
            "t.yaml:11: businessUnits[1].policy: unknown policy 'never' (always, on-demand)",
            "t.yaml:11: businessUnits[1].id: duplicate business unit 1 (first on line 10)",
            "t.yaml:12: recording.defaultPolicy: unknown policy 'sometimes' (always, on-demand)",
        ])
    }

    @Test func clusterProblems() {
        #expect(problems("""
            cluster:
              broker: "http://broker:5672/"
              serverId: ""
              blackoutExchange: ""
            """) == [
            "t.yaml:2: cluster.broker: bad broker URL 'http://broker:5672/': the scheme must be amqp or amqps (amqp://user:password@host:5672/vhost, or amqps://…:5671/… over TLS)",
            "t.yaml:3: cluster.serverId: must not be empty",
            "t.yaml:4: cluster.blackoutExchange: must not be empty",
        ])
    }

    @Test func yamlSyntaxErrorsNameTheirLine() {
        let found = problems("calls:\n  idleTimeoutSeconds: 30\n  holdTimeoutSeconds: 10: 20\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("t.yaml:3: YAML syntax: mapping values are not allowed in this context") == true, "\(found)")
    }

    @Test func storageSpaceLimitsAreWholeMebibytesInRange() {
        #expect(problems("storage:\n  minFreeMiB: -1\n  reserveMiB: 5000\n") == [
            "t.yaml:2: storage.minFreeMiB: must be between 0 and 1048576, not -1",
            "t.yaml:3: storage.reserveMiB: must be between 0 and 4096, not 5000",
        ])
    }
}
