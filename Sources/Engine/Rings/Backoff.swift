import Foundation

/// Waiting without a lock when a ring is empty (consumer) or full (producer): spin a little,
/// then yield, then sleep briefly. Two cores are shared by all threads, so spinning stays short.
struct Backoff {
    private var rounds = 0

    mutating func reset() { rounds = 0 }

    mutating func wait() {
        rounds += 1
        if rounds < 16 {
            return
        } else if rounds < 64 {
            sched_yield()
        } else {
            usleep(rounds < 256 ? 50 : 200)
        }
    }
}
