import Foundation

/// Waiting without a lock when a ring is empty (consumer) or full (producer). Two cores are
/// shared by all threads, so spinning stays short.
struct Backoff {
    private var rounds = 0
    /// Rounds that only spin, then rounds that yield the core, before the thread naps.
    private let spinRounds: Int
    private let yieldRounds: Int
    /// The nap, in microseconds, and the longer one after `shortNapRounds` naps.
    private let napMicros: UInt32
    private let shortNapRounds: Int
    private let longNapMicros: UInt32

    /// For what comes within microseconds (a worker waiting for packets, a control message for
    /// room): spin a little, then yield, then sleep briefly.
    init() {
        spinRounds = 16
        yieldRounds = 48
        napMicros = 50
        shortNapRounds = 192
        longNapMicros = 200
    }

    /// For what takes a worker milliseconds (a replay's reader waiting for a quarter of a full
    /// ring to drain): sleep a millisecond at a time at once. With spins, yields and 50 µs naps,
    /// a replay of 2,000 calls had its reader nap 15,700 times and yield 35,800 times: four
    /// fifths of the run's context switches.
    static var forDrain: Backoff { Backoff(spin: 0, yield: 0, nap: 1000) }

    private init(spin: Int, yield: Int, nap: UInt32) {
        spinRounds = spin
        yieldRounds = yield
        napMicros = nap
        shortNapRounds = Int.max
        longNapMicros = nap
    }

    mutating func reset() { rounds = 0 }

    mutating func wait() {
        rounds += 1
        if rounds <= spinRounds {
            return
        } else if rounds <= spinRounds + yieldRounds {
            sched_yield()
        } else {
            usleep(rounds - spinRounds - yieldRounds <= shortNapRounds ? napMicros : longNapMicros)
        }
    }
}
