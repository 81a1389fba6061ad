import Atomics
import Glibc

/// SIGINT while streaming: the handler only raises a flag, which the pacing loop reads between
/// packets, so the stream stops cleanly and the recording is still stopped on the server.
enum DeskInterrupt {
    /// Lock-free, hence safe to store from a signal handler.
    static let flag = ManagedAtomic<Bool>(false)

    static var raised: Bool { flag.load(ordering: .relaxed) }

    static func install() {
        // Touch the lazily initialised flag here, not first inside the handler.
        flag.store(false, ordering: .relaxed)
        var action = sigaction()
        action.__sigaction_handler.sa_handler = { _ in DeskInterrupt.flag.store(true, ordering: .relaxed) }
        sigemptyset(&action.sa_mask)
        // No SA_RESTART: a sleep or a blocking read returns early with EINTR and the flag is seen.
        action.sa_flags = 0
        sigaction(SIGINT, &action, nil)
    }
}
