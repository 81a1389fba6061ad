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

    /// Where a bound pair's packets go.
    struct Binding {
        // What every packet reads comes first, in one cache line: with thousands of flows,
        // each line of a binding that a packet touches is a cache miss.
        var call: Int
        /// The flow's number inside the recording once announced to the worker, else -1.
        var flow: Int = -1
        /// Packets of this flow that the worker's ring could not take, not yet told to the worker.
        var ringDropped = 0
        var isAudio: Bool
        var sender: CallSide
        /// Bound only because its source is an address one side's SDP declared (symmetric RTP),
        /// not because of where it was sent: a later, better-founded flow may correct its side.
        var weak = false
        var key: Key
        /// Plain, SRTP with the sender's keys, or SRTP that cannot be decrypted: decided per flow
        /// (one leg of a call may be encrypted and another plain).
        var encryption = FlowEncryption.none

        init(key: Key, call: Int, sender: CallSide, isAudio: Bool, encryption: FlowEncryption = .none, weak: Bool = false) {
            self.key = key
            self.call = call
            self.sender = sender
            self.isAudio = isAudio
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

    func bind(_ key: Key, _ binding: Binding) -> Int {
        let i: Int
        if let free = freeBindings.popLast() {
            bindings[free] = binding
            i = free
        } else {
            bindings.append(binding)
            i = bindings.count - 1
        }
        if let old = index[key] { release(old) }
        index.update(i, forKey: key)
        keysByCall[binding.call, default: []].append(key)
        keysByEndpoint[key.source, default: []].append(key)
        keysByEndpoint[key.destination, default: []].append(key)
        flowsByCall[binding.call, default: 0] += 1
        return i
    }

    func setFlow(_ binding: Int, _ flow: Int) {
        bindings[binding].flow = flow
    }

    /// Counts a packet of `binding` that the ring could not take.
    @inline(__always)
    func noteRingDrop(_ binding: Int) {
        bindings[binding].ringDropped += 1
    }

    /// The ring drops of `binding` not yet told to the worker, which are told now.
    @inline(__always)
    func takeRingDrops(_ binding: Int) -> Int {
        let n = bindings[binding].ringDropped
        if n > 0 { bindings[binding].ringDropped = 0 }
        return n
    }

    /// The bindings of `call` with ring drops not yet told to the worker.
    func bindingsWithRingDrops(of call: Int) -> [Int] {
        (keysByCall[call] ?? []).compactMap { key in
            guard let i = index[key], bindings[i].call == call, bindings[i].ringDropped > 0, bindings[i].flow >= 0 else { return nil }
            return i
        }
    }

    func setSender(_ binding: Int, _ sender: CallSide) {
        bindings[binding].sender = sender
        bindings[binding].weak = false
    }

    /// The flows bound to `call`.
    func bindings(of call: Int) -> [Int] {
        (keysByCall[call] ?? []).compactMap { key in index[key].flatMap { bindings[$0].call == call ? $0 : nil } }
    }

    func setEncryption(_ binding: Int, _ encryption: FlowEncryption) {
        bindings[binding].encryption = encryption
    }

    /// The weakly bound flows of `call` that send to `destination`.
    func weakBindings(of call: Int, sendingTo destination: Endpoint) -> [Int] {
        (keysByCall[call] ?? []).compactMap { key in
            guard key.destination == destination, let i = index[key], bindings[i].call == call, bindings[i].weak else { return nil }
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
            if bindings[i].call != call && yields(bindings[i].call) { unbind(key) } else { live.append(key) }
        }
        keysByEndpoint[endpoint] = live.isEmpty ? nil : live
    }

    func claims(on endpoint: Endpoint) -> [Claim] {
        claims[endpoint] ?? []
    }

    /// Forgets everything about a purged call.
    func forget(call: Int) {
        for key in keysByCall.removeValue(forKey: call) ?? [] {
            if index[key].map({ bindings[$0].call == call }) == true { unbind(key) }
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
        if let n = flowsByCall[bindings[i].call] { flowsByCall[bindings[i].call] = n > 1 ? n - 1 : nil }
        bindings[i].call = -1
        freeBindings.append(i)
    }
}
