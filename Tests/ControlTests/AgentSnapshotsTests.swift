import Foundation
import SIP
import Testing
@testable import Control

/// The published agent states answer the API as their own encoding would, change when a state
/// is published again, and `GetAll` is the array of them in id order.
@Suite struct AgentSnapshotsTests {
    /// JSON compared as values (the encoder does not keep an order of keys).
    func same(_ answer: Data?, _ value: some Encodable) throws -> Bool {
        let expected = try JSONSerialization.jsonObject(with: try APIJSON.encoder().encode(value)) as? NSObject
        let got = try answer.map { try JSONSerialization.jsonObject(with: $0) as? NSObject } ?? nil
        return got != nil && got == expected
    }

    @Test func answersAreTheStatesEncodingsAndFollowEveryChange() throws {
        let snapshots = AgentSnapshots(directory: AgentDirectory(agents: [], dialPlan: DialPlan()))
        var three = AgentState(profile: AgentProfile(id: 3, phone: "300"))
        let one = AgentState(profile: AgentProfile(id: 1, phone: "100", systemUsername: "one/a"))
        snapshots.publish(three)
        snapshots.publish(one)
        #expect(try same(snapshots.answer(of: 3), three))
        #expect(try same(snapshots.allAnswer(), [one, three]), "in id order")
        #expect(String(decoding: snapshots.allAnswer(), as: UTF8.self).contains(#""one/a""#), "slashes as written")
        #expect(snapshots.allAnswer() == snapshots.allAnswer(), "the same bytes on every read")

        three.systemUsername = "three"
        snapshots.publish(three)
        #expect(try same(snapshots.answer(of: 3), three))
        #expect(try same(snapshots.allAnswer(), [one, three]))
        snapshots.remove(agentId: 1)
        #expect(snapshots.answer(of: 1) == nil)
        #expect(try same(snapshots.allAnswer(), [three]))
        #expect(snapshots.all() == [three])
    }
}
