import CalltapTestSupport
import Control
import Foundation
import Testing

/// The cluster bus on a real RabbitMQ broker (Debian's rabbitmq-server on loopback, started by
/// `make test` through Tests/broker.sh). Serialized: one test takes the broker away.
@Suite(.serialized, .enabled(if: ClusterTestBroker.url != nil, "needs CALLTAP_TEST_BROKER (make test starts the broker)"))
struct ClusterBrokerTests {
    let agent = ClusterAgentKey(id: 2, phone: "5003")

    /// A bus whose received messages and states the test can read.
    final class Server: Sendable {
        let bus: ClusterBus
        let messages = Collected<ClusterMessage>()
        let states = Collected<BrokerState>()

        init(_ settings: BrokerSettings) throws {
            let messages = messages, states = states
            bus = try ClusterBus(settings: settings, firstSequence: 1000, onMessage: { messages.append($0) },
                                 onStateChange: { states.append($0) })
            bus.start()
        }

        var blackouts: [ClusterBlackout] {
            messages.all.compactMap {
                switch $0.body {
                case .blackoutStart(let blackout), .blackoutStop(let blackout): blackout
                default: nil
                }
            }
        }
    }

    /// A raw connection (a station's consumer, a foreign publisher) collecting deliveries.
    final class Listener: Sendable {
        let connection: BrokerConnection
        let deliveries = Collected<BrokerDelivery>()

        init(_ settings: BrokerSettings) throws {
            let deliveries = deliveries
            connection = try BrokerConnection(settings: settings, onDelivery: { deliveries.append($0) })
            connection.start()
        }
    }

    @Test func twoServersExchangeBlackoutsThroughTheFanout() async throws {
        let base = ClusterTestBroker.settings("rec-a", test: "fanout")
        var otherSettings = base
        otherSettings.serverId = "rec-b"
        let a = try Server(base), b = try Server(otherSettings)
        defer { a.bus.stop(); b.bus.stop() }
        #expect(await ClusterTestBroker.eventually { a.bus.state.isConnected && b.bus.state.isConnected })

        let started = ClusterBlackout(agent: agent, action: .start, startNanos: 1_000, limitNanos: 600_000_001_000,
                                      origin: "rec-a", sequence: a.bus.nextSequence())
        let sent = a.bus.publish(.blackoutStart(started), sentNanos: 5_000)
        #expect(await ClusterTestBroker.eventually { b.blackouts.contains(started) })
        #expect(b.messages.all.contains(sent))

        let stopped = ClusterBlackout(agent: agent, action: .stop, startNanos: 1_000, stopNanos: 9_000, ended: "stopped",
                                      origin: "rec-b", sequence: b.bus.nextSequence())
        b.bus.publish(.blackoutStop(stopped))
        #expect(await ClusterTestBroker.eventually { a.blackouts == [stopped] })

        // Each side saw the other's StateRequest, never its own messages (the fanout sends them back).
        #expect(await ClusterTestBroker.eventually { a.bus.counters.broker.ownSkipped >= 2 && b.bus.counters.broker.ownSkipped >= 2 })
        #expect(a.messages.all.allSatisfy { $0.origin == "rec-b" })
        #expect(b.messages.all.allSatisfy { $0.origin == "rec-a" })
        #expect(a.messages.all.contains { $0.body == .stateRequest } || b.messages.all.contains { $0.body == .stateRequest })
    }

    @Test func theBrokerConfirmsWhatIsPublished() async throws {
        let server = try Server(ClusterTestBroker.settings("rec-a", test: "confirms"))
        defer { server.bus.stop() }
        for i in 1...200 {
            let blackout = ClusterBlackout(agent: ClusterAgentKey(id: i, phone: "\(i)"), action: .start, startNanos: Int64(i),
                                           origin: "rec-a", sequence: server.bus.nextSequence())
            server.bus.publish(.blackoutStart(blackout))
        }
        // 200 blackouts and the StateRequest sent on connecting.
        #expect(await ClusterTestBroker.eventually { server.bus.counters.broker.confirmed == 201 })
        let counters = server.bus.counters.broker
        #expect(counters.enqueued == 201)
        #expect(counters.waiting == 0)
        #expect(counters.nacked == 0 && counters.dropped == 0)
    }

    @Test func aScreenCommandArrivesUnderTheStationsRoutingKey() async throws {
        let server = try Server(ClusterTestBroker.settings("rec-a", test: "screen"))
        var stationSettings = server.bus.connection.settings
        stationSettings.serverId = "desk-4-consumer"
        stationSettings.screenBindings = ["desk-4"]
        let station = try Listener(stationSettings)
        defer { server.bus.stop(); station.connection.stop() }
        #expect(await ClusterTestBroker.eventually { server.bus.state.isConnected && station.connection.state.isConnected })

        let elsewhere = ScreenCommandMessage(type: .start, agentId: 3, station: "desk-9", deviceId: "", time: "2026-11-22T10:15:30Z", origin: "rec-a")
        let mask = ScreenCommandMessage(type: .mask, agentId: 2, station: "desk-4", deviceId: "dev-2",
                                        screenRecordingIdentifier: "screen-1", relatedCallInstance: "1-712@127.0.10.1",
                                        time: "2026-11-22T10:15:31.250+01:00", origin: "rec-a")
        server.bus.publish(elsewhere)
        server.bus.publish(mask)
        // The fanout brings the server's StateRequest too; wait for the screen exchange. The
        // command for desk-9 went first on the same channel: had it been routed here, it would be here.
        #expect(await ClusterTestBroker.eventually {
            station.deliveries.all.contains { $0.exchange == stationSettings.screenExchange }
        })
        let screen = station.deliveries.all.filter { $0.exchange == stationSettings.screenExchange }
        #expect(screen.count == 1)
        let delivered = try #require(screen.first)
        #expect(delivered.routingKey == "desk-4")
        #expect(delivered.senderId == "rec-a")
        let decoded = try JSONDecoder().decode(ScreenCommandMessage.self, from: Data(delivered.body))
        #expect(decoded.type == .mask && decoded.agentId == 2 && decoded.screenRecordingIdentifier == "screen-1")
        #expect(decoded.relatedCallInstance == "1-712@127.0.10.1" && decoded.time == "2026-11-22T10:15:31.250+01:00")
    }

    @Test func whatIsQueuedWhileTheBrokerIsAwayIsPublishedInOrderWhenItReturns() async throws {
        let server = try Server(ClusterTestBroker.settings("rec-a", test: "outage"))
        // The observer keeps its queue across the outage, so nothing published after the
        // broker returns can slip past it while it reconnects.
        var observerSettings = server.bus.connection.settings
        observerSettings.serverId = "observer"
        observerSettings.keepsQueue = true
        let observer = try Listener(observerSettings)
        defer { server.bus.stop(); observer.connection.stop() }
        #expect(await ClusterTestBroker.eventually { server.bus.state.isConnected && observer.connection.state.isConnected })

        try ClusterTestBroker.ctl("stop_app")
        var restarted = false
        defer { if !restarted { try? ClusterTestBroker.ctl("start_app") } }
        #expect(await ClusterTestBroker.eventually(within: 30) { !server.bus.state.isConnected })
        guard case .down(let reason, _) = server.bus.state else {
            Issue.record("expected the bus to be down, it is \(server.bus.state)")
            return
        }
        #expect(!reason.isEmpty)
        let decisions = (1...3).map { i in
            ClusterBlackout(agent: agent, action: i == 2 ? .stop : .start, startNanos: Int64(i) * 10,
                            stopNanos: i == 2 ? 25 : nil, origin: "rec-a", sequence: server.bus.nextSequence())
        }
        for decision in decisions {
            server.bus.publish(decision.isActive ? .blackoutStart(decision) : .blackoutStop(decision))
        }
        #expect(server.bus.counters.broker.waiting >= 3)

        try ClusterTestBroker.ctl("start_app")
        restarted = true
        #expect(await ClusterTestBroker.eventually(within: 60) { server.bus.state.isConnected })
        #expect(await ClusterTestBroker.eventually(within: 30) { server.bus.counters.broker.waiting == 0 })

        // Down, then up again, in the states the bus reported.
        let states = server.states.all
        let firstDown = try #require(states.firstIndex { if case .down = $0 { true } else { false } })
        #expect(states[..<firstDown].contains(.connected))
        #expect(states[firstDown...].contains(.connected))
        #expect(server.bus.counters.broker.connections >= 2)

        // The observer got the three, in the order they were queued.
        #expect(await ClusterTestBroker.eventually(within: 30) {
            observer.deliveries.all.compactMap { try? ClusterMessage.decode($0.body) }
                .compactMap { message -> ClusterBlackout? in
                    if case .blackoutStart(let b) = message.body { return b }
                    if case .blackoutStop(let b) = message.body { return b }
                    return nil
                } == decisions
        })
    }

    @Test func malformedAndFutureMessagesAreCountedAndSkipped() async throws {
        let settings = ClusterTestBroker.settings("rec-b", test: "malformed")
        let server = try Server(settings)
        var rogueSettings = settings
        rogueSettings.serverId = "rec-future"
        let rogue = try Listener(rogueSettings)
        defer { server.bus.stop(); rogue.connection.stop() }
        #expect(await ClusterTestBroker.eventually { server.bus.state.isConnected && rogue.connection.state.isConnected })

        rogue.connection.publish(Array("{ not json".utf8), to: .blackouts)
        rogue.connection.publish(Array(#"{"Version": 2, "Type": "BlackoutStart", "Origin": "rec-future", "Sequence": 1, "SentNanos": 0}"#.utf8), to: .blackouts)
        let valid = ClusterBlackout(agent: agent, action: .start, startNanos: 42, origin: "rec-future", sequence: 2)
        let message = ClusterMessage(origin: "rec-future", sequence: 2, sentNanos: 50, body: .blackoutStart(valid))
        rogue.connection.publish(message.encoded(), to: .blackouts)

        #expect(await ClusterTestBroker.eventually { server.blackouts == [valid] })
        let counters = server.bus.counters
        #expect(counters.rejected == 2)
        #expect(counters.lastRejection == .unsupportedVersion(2))
        #expect(server.bus.state.isConnected)
    }
}
