import Foundation

/// Room for 16-bit samples that is needed only while a commit runs (interleaving held audio,
/// splitting or mixing it for the files): one buffer per thread and use, so that no recording
/// keeps room of its own. Thousands of live calls would otherwise each hold it.
enum ThreadScratch {
    /// What the room is for: the two can be in use at once (a commit hands its frames to a writer).
    enum Use: Int {
        case interleaved
        case layout
    }

    /// Samples in each buffer.
    static let samples = 16384

    private static let keys: [pthread_key_t] = (0..<2).map { _ in
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
