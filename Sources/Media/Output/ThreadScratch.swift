import Foundation

/// Room that is needed only while a piece of work runs (interleaving held audio, splitting or
/// mixing it for the files, reading a finished file to hash it): one buffer per thread and use,
/// kept for the thread's life, so that no recording keeps room of its own (thousands of live
/// calls would otherwise each hold it) and nothing is allocated and faulted in again per use.
enum ThreadScratch {
    /// What the room is for: these can be in use at once (a commit hands its frames to a writer).
    enum Use: Int, CaseIterable {
        case interleaved
        case layout
        case fileRead
    }

    /// Samples in each buffer.
    static let samples = 16384

    private static let keys: [pthread_key_t] = Use.allCases.map { _ in
        var key = pthread_key_t()
        pthread_key_create(&key) { buffer in buffer?.deallocate() }
        return key
    }

    /// This thread's buffer for `use`, of `samples` samples, made on first use.
    @inline(__always)
    static func buffer(_ use: Use) -> UnsafeMutablePointer<Int16> {
        let key = keys[use.rawValue]
        if let existing = pthread_getspecific(key) { return existing.assumingMemoryBound(to: Int16.self) }
        let made = UnsafeMutablePointer<Int16>.allocate(capacity: samples)
        pthread_setspecific(key, made)
        return made
    }
}
