import CalltapTestSupport
import Control
import Engine
import Foundation
import Testing

/// A blackout time sent without an offset is a wall-clock time of the configured `timezone`:
/// in Paris in winter, 10:15:30 is 09:15:30 UTC; in summer, 08:15:30 UTC.
@Suite struct LocalBlackoutTimeTests {
    @Test(arguments: [
        // 2026-11-22 10:15:30 in Paris (UTC+1), accepted at 10:15:00 there.
        (Int64(1_795_338_900), Int64(1_795_342_530), "2026-11-22T09:15:30.000Z"),
        // 2026-07-01 10:15:30 in Paris (UTC+2).
        (Int64(1_782_893_700), Int64(1_782_900_930), "2026-07-01T08:15:30.000Z"),
    ])
    func aTimeWithoutOffsetIsInTheConfiguredZone(acceptedUTC: Int64, wallClockAsUTC: Int64, expected: String) throws {
        var configuration = ServerConfiguration()
        configuration.engine.storageRoot = RepositoryPaths.temporaryDirectory("calltap-local-time")
        configuration.engine.timeZone = "Europe/Paris"
        configuration.agents = [AgentProfile(id: 2, phone: "2002", policy: .always)]
        let engine = CaptureEngine(configuration: configuration.engine)
        let plane = ControlPlane(configuration: configuration, engine: engine, store: nil)
        let command = BlackoutCommand(action: .start, agent: AgentReference(kind: .id, value: "2"),
                                      time: wallClockAsUTC * 1_000_000_000, timeIsLocal: true)
        let state = try plane.tracker.perform(.blackout(command), at: acceptedUTC * 1_000_000_000).get()
        #expect(state.applied?.startTime == expected)
        #expect(state.applied?.clamped == false)
    }
}
