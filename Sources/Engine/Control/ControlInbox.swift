import Atomics
import Foundation

/// Commands from other threads (HTTP handlers) for the capture thread, which runs each one at
/// the capture time it has reached: that stamp is when the command was accepted. The capture
/// loop checks one atomic counter per packet and takes the lock only when there is work.
public final class ControlInbox: @unchecked Sendable {
    public typealias Job = (_ nanos: Int64) -> Void

    private let lock = NSLock()
    private var jobs: [Job] = []
    private var closed = false
    private let pending = ManagedAtomic<Int>(0)
    /// Set by the engine while it reads a source that waits for packets: a queued job ends the wait.
    private var wakeup: SourceWakeup?

    public init() {}

    /// Queues `job` for the capture thread. False when the engine has stopped: the job will never run.
    @discardableResult
    public func submit(_ job: @escaping Job) -> Bool {
        lock.lock()
        guard !closed else {
            lock.unlock()
            return false
        }
        jobs.append(job)
        let wakeup = wakeup
        lock.unlock()
        pending.wrappingIncrement(ordering: .releasing)
        wakeup?.signal()
        return true
    }

    /// Jobs queued from now on end `source`'s wait for packets (nil: they wait for the next read).
    func wake(_ source: SourceWakeup?) {
        lock.lock()
        wakeup = source
        lock.unlock()
    }

    /// The engine stopped: jobs still queued run now, and later ones are refused.
    public func close(at nanos: Int64) {
        lock.lock()
        closed = true
        wakeup = nil
        lock.unlock()
        drain(at: nanos)
    }

    @inline(__always)
    var hasWork: Bool { pending.load(ordering: .acquiring) > 0 }

    /// Runs every queued job at `nanos`, in the order they came.
    func drain(at nanos: Int64) {
        lock.lock()
        let taken = jobs
        jobs.removeAll(keepingCapacity: true)
        lock.unlock()
        pending.wrappingDecrement(by: taken.count, ordering: .releasing)
        for job in taken { job(nanos) }
    }
}

/// A command a control script stamps with capture time: it runs before the first packet
/// captured at or after `nanos` (or, relative, `seconds` after the capture's first packet).
public struct ScheduledJob {
    public enum When {
        case afterFirstPacket(seconds: Double)
        case at(nanos: Int64)
    }

    public var when: When
    public var job: ControlInbox.Job

    public init(when: When, job: @escaping ControlInbox.Job) {
        self.when = when
        self.job = job
    }
}
