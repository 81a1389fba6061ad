@testable import Engine
import Testing
import Wire

/// The flow table's routes (what each packet of a bound pair reads) kept apart from the rest of
/// its bindings: both follow a binding through binding, announcing, ring drops and rebinding.
@Suite struct FlowTableTests {
    static func key(_ port: UInt16) -> FlowTable.Key {
        FlowTable.Key(source: Endpoint(address: IPAddress(ipv4: 0x0A00_0001), port: port),
                      destination: Endpoint(address: IPAddress(ipv4: 0x0A00_0002), port: port + 1000))
    }

    @Test func aRouteAndItsBindingStayTogether() {
        let table = FlowTable()
        let a = table.bind(Self.key(4000), call: 7, isAudio: true, FlowTable.Binding(key: Self.key(4000), sender: .caller))
        let b = table.bind(Self.key(4002), call: 9, isAudio: false,
                           FlowTable.Binding(key: Self.key(4002), sender: .callee, weak: true))
        #expect(table.lookup(Self.key(4000)) == a && table.lookup(Self.key(4002)) == b)
        #expect(table.call(of: a) == 7 && table.call(of: b) == 9)
        #expect(table.routes[a].isAudio && !table.routes[b].isAudio)
        #expect(table.bindings[a].sender == .caller && table.bindings[b].sender == .callee && table.bindings[b].weak)
        #expect(table.flow(of: a) == -1)
        table.setFlow(a, 3)
        #expect(table.flow(of: a) == 3 && table.flow(of: b) == -1)
        #expect(table.bindings(of: 7) == [a] && table.flowsByCall[7] == 1)
    }

    @Test func ringDropsAreCountedPerBindingAndTakenOnce() {
        let table = FlowTable()
        let a = table.bind(Self.key(4000), call: 1, isAudio: true, FlowTable.Binding(key: Self.key(4000), sender: .caller))
        let b = table.bind(Self.key(4002), call: 1, isAudio: true, FlowTable.Binding(key: Self.key(4002), sender: .callee))
        for _ in 0..<3 { table.noteRingDrop(a) }
        // Not announced yet: nothing to tell the worker about.
        #expect(table.bindingsWithRingDrops(of: 1).isEmpty)
        table.setFlow(a, 0)
        #expect(table.bindingsWithRingDrops(of: 1) == [a])
        #expect(table.takeRingDrops(a) == 3)
        #expect(table.takeRingDrops(a) == 0 && table.takeRingDrops(b) == 0)
    }

    @Test func aReboundPairTakesAFreshRouteAndReusesTheFreedBinding() {
        let table = FlowTable()
        let first = table.bind(Self.key(4000), call: 1, isAudio: true, FlowTable.Binding(key: Self.key(4000), sender: .caller))
        table.setFlow(first, 2)
        table.noteRingDrop(first)
        // The same pair bound again (a newer call took the address): the old binding is freed...
        let second = table.bind(Self.key(4000), call: 5, isAudio: true, FlowTable.Binding(key: Self.key(4000), sender: .callee))
        #expect(table.flowsByCall[1] == nil && table.flowsByCall[5] == 1)
        #expect(table.call(of: first) == -1 || second == first)
        // ...and the next binding takes its slot, with nothing of the old route left.
        let third = table.bind(Self.key(4004), call: 6, isAudio: false, FlowTable.Binding(key: Self.key(4004), sender: .caller))
        #expect(Set([first, second, third]).count == 2)
        #expect(table.call(of: third) == 6 && table.flow(of: third) == -1 && table.takeRingDrops(third) == 0)
        #expect(table.call(of: second) == 5 && table.flow(of: second) == -1)
        #expect(table.bindings(of: 1).isEmpty && table.bindings(of: 5) == [second] && table.bindings(of: 6) == [third])
    }
}
