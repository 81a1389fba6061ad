/// Call slots in the order they were added, with constant-time append, removal from anywhere and
/// look at the oldest: the calls a full table may give up, oldest first. Links are slot numbers
/// in arrays, so a change allocates nothing once the arrays have grown to the table's size.
struct SlotQueue {
    private var previous: [Int] = []
    private var next: [Int] = []
    private var member: [Bool] = []
    /// The oldest slot, -1 when empty.
    private(set) var first = -1
    private var last = -1
    private(set) var count = 0

    func contains(_ slot: Int) -> Bool {
        slot < member.count && member[slot]
    }

    /// Adds `slot` as the newest; nothing when it is already in.
    mutating func append(_ slot: Int) {
        while member.count <= slot {
            previous.append(-1)
            next.append(-1)
            member.append(false)
        }
        guard !member[slot] else { return }
        member[slot] = true
        previous[slot] = last
        next[slot] = -1
        if last >= 0 { next[last] = slot } else { first = slot }
        last = slot
        count += 1
    }

    /// Takes `slot` out wherever it is; nothing when it is not in.
    mutating func remove(_ slot: Int) {
        guard contains(slot) else { return }
        member[slot] = false
        let p = previous[slot], n = next[slot]
        if p >= 0 { next[p] = n } else { first = n }
        if n >= 0 { previous[n] = p } else { last = p }
        count -= 1
    }
}
