import Media
import SIP
import Wire

/// The capture thread's map from address pairs to the calls and channels they feed, and from
/// the media addresses that SDP declared to the calls that declared them.
final class FlowTable {
    /// An address pair: one direction of one stream.
    struct Key: Hashable {
        var source: Endpoint
        var destination: Endpoint
    }

    /// What every packet of a bound pair reads: where it goes. Kept apart from the rest of its
    /// binding, in a dense array: at 2,000 calls, loading the first field of a whole binding
    /// (104 bytes, with the pair and its keys) took over a third of the capture loop's own
    /// samples (perf annotate), the array being too large to stay in the core's cache; four
    /// routes share a cache line.
    struct Route {
        /// The call's slot; -1 while the binding is free.
        var call: Int32
        /// The flow's number inside the recording once announced to the worker, else -1.
        var flow: Int32 = -1
        /// Packets of this flow that the worker's ring could not take, not yet told to the worker.
        var ringDropped: Int32 = 0
        var isAudio: Bool

        init(call: Int, isAudio: Bool) {
            self.call = Int32(call)
            self.isAudio = isAudio
        }
    }

    /// The rest of what is known of a bound pair, beside its route.
    struct Binding {
        var sender: CallSide
        /// Bound only because its source is an address one side's SDP declared (symmetric RTP),
        /// not because of where it was sent: a later, better-founded flow may correct its side.
        var weak = false
        var key: Key
        /// Plain, SRTP with the sender's keys, or SRTP that cannot be decrypted: decided per flow
        /// (one leg of a call may be encrypted and another plain).
        var encryption = FlowEncryption.none

        init(key: Key, sender: CallSide, encryption: FlowEncryption = .none, weak: Bool = false) {
            self.key = key
            self.sender = sender
            self.encryption = encryption
            self.weak = weak
        }
    }

    /// A call's claim on an address from one side's SDP: packets *to* it are sent by the other side.
    struct Claim {
        var call: Int
        var side: CallSide
        var isAudio: Bool
        /// The SDP media that declared the address is encrypted (SRTP).
        var isEncrypted: Bool
    }

    private var index = FlowIndex()
    /// By binding number, as `lookup` gives it: each binding's route, and the rest of it.
    private(set) var routes: [Route] = []
    private(set) var bindings: [Binding] = []
    private var freeBindings: [Int] = []
    private var keysByCall: [Int: [Key]] = [:]
    private var claims: [Endpoint: [Claim]] = [:]
    private var claimedByCall: [Int: Set<Endpoint>] = [:]
    /// The bound pairs by each of their addresses (entries may be stale: check `index`).
    private var keysByEndpoint: [Endpoint: [Key]] = [:]
    /// Pairs bound per call, to bound what one call may hold.
    private(set) var flowsByCall: [Int: Int] = [:]

    @inline(__always)
    func lookup(_ key: Key) -> Int? {
        index[key]
    }

    /// Binds `key` to `call`; the binding's number.
    func bind(_ key: Key, call: Int, isAudio: Bool, _ binding: Binding) -> Int {
        precondition(call >= 0 && call <= Int(Int32.max))
        let route = Route(call: call, isAudio: isAudio)
        let i: Int
        if let free = freeBindings.popLast() {
            routes[free] = route
            bindings[free] = binding
            i = free
        } else {
            routes.append(route)
            bindings.append(binding)
            i = bindings.count - 1
        }
        if let old = index[key] { release(old) }
        index.update(i, forKey: key)
        keysByCall[call, default: []].append(key)
        keysByEndpoint[key.source, default: []].append(key)
        keysByEndpoint[key.destination, default: []].append(key)
        flowsByCall[call, default: 0] += 1
        return i
    }

    /// The call `binding` feeds.
    @inline(__always)
    func call(of binding: Int) -> Int {
        Int(routes[binding].call)
    }

    /// The flow's number inside the recording once announced to the worker, else -1.
    @inline(__always)
    func flow(of binding: Int) -> Int {
        Int(routes[binding].flow)
    }

    func setFlow(_ binding: Int, _ flow: Int) {
        routes[binding].flow = Int32(flow)
    }

    /// Counts a packet of `binding` that the ring could not take.
    @inline(__always)
    func noteRingDrop(_ binding: Int) {
        // Told with the flow's next record: a count that would pass the field's range waits there.
        if routes[binding].ringDropped < Int32.max { routes[binding].ringDropped += 1 }
    }

    /// The ring drops of `binding` not yet told to the worker, which are told now.
    @inline(__always)
    func takeRingDrops(_ binding: Int) -> Int {
        let n = routes[binding].ringDropped
        if n > 0 { routes[binding].ringDropped = 0 }
        return Int(n)
    }

    /// The bindings of `call` with ring drops not yet told to the worker.
    func bindingsWithRingDrops(of call: Int) -> [Int] {
        (keysByCall[call] ?? []).compactMap { key in
            guard let i = index[key], self.call(of: i) == call, routes[i].ringDropped > 0, routes[i].flow >= 0 else { return nil }
            return i
        }
    }

    func setSender(_ binding: Int, _ sender: CallSide) {
        bindings[binding].sender = sender
        bindings[binding].weak = false
    }

    /// The flows bound to `call`.
    func bindings(of call: Int) -> [Int] {
        (keysByCall[call] ?? []).compactMap { key in index[key].flatMap { self.call(of: $0) == call ? $0 : nil } }
    }

    func setEncryption(_ binding: Int, _ encryption: FlowEncryption) {
        bindings[binding].encryption = encryption
    }

    /// The weakly bound flows of `call` that send to `destination`.
    func weakBindings(of call: Int, sendingTo destination: Endpoint) -> [Int] {
        (keysByCall[call] ?? []).compactMap { key in
            guard key.destination == destination, let i = index[key], self.call(of: i) == call, bindings[i].weak else { return nil }
            return i
        }
    }

    /// Records that `call`'s `side` receives media at `endpoint`. Pairs on this address that are
    /// bound to calls that `yields` says give it up are released: calls that have ended (the
    /// address was reused by a newer call), and calls known only from their media when signalling
    /// now describes the address. Other live calls keep theirs (a peer may use one port for many
    /// calls at once).
    func claim(_ endpoint: Endpoint, call: Int, side: CallSide, isAudio: Bool, isEncrypted: Bool,
               yields: (Int) -> Bool) {
        var list = claims[endpoint] ?? []
        list.removeAll { $0.call == call && $0.side == side }
        list.append(Claim(call: call, side: side, isAudio: isAudio, isEncrypted: isEncrypted))
        claims[endpoint] = list
        claimedByCall[call, default: []].insert(endpoint)
        var live: [Key] = []
        for key in keysByEndpoint[endpoint] ?? [] {
            guard let i = index[key] else { continue }
            if self.call(of: i) != call && yields(self.call(of: i)) { unbind(key) } else { live.append(key) }
        }
        keysByEndpoint[endpoint] = live.isEmpty ? nil : live
    }

    func claims(on endpoint: Endpoint) -> [Claim] {
        claims[endpoint] ?? []
    }

    /// Forgets everything about a purged call.
    func forget(call: Int) {
        for key in keysByCall.removeValue(forKey: call) ?? [] {
            if index[key].map({ self.call(of: $0) == call }) == true { unbind(key) }
            // Each call brings new addresses: lists left behind would grow with every call.
            prune(key.source)
            prune(key.destination)
        }
        flowsByCall[call] = nil
        for endpoint in claimedByCall.removeValue(forKey: call) ?? [] {
            claims[endpoint]?.removeAll { $0.call == call }
            if claims[endpoint]?.isEmpty == true { claims[endpoint] = nil }
        }
    }

    /// Drops the pairs no longer bound from an address's list, and the list once empty.
    private func prune(_ endpoint: Endpoint) {
        guard var keys = keysByEndpoint[endpoint] else { return }
        keys.removeAll { index[$0] == nil }
        keysByEndpoint[endpoint] = keys.isEmpty ? nil : keys
    }

    private func unbind(_ key: Key) {
        if let i = index.remove(key) { release(i) }
    }

    private func release(_ i: Int) {
        let call = self.call(of: i)
        if let n = flowsByCall[call] { flowsByCall[call] = n > 1 ? n - 1 : nil }
        routes[i].call = -1
        freeBindings.append(i)
    }
}
