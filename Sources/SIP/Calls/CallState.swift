/// Where a call is in its life, as its signalling shows it.
public enum CallState: Sendable, Equatable {
    /// INVITE sent, no answer with a tag yet.
    case trying
    /// A provisional answer (180/183), possibly with early media.
    case early
    /// Answered (2xx).
    case confirmed
    /// Over: see `Call.endReason`.
    case ended
}

/// Why a call ended.
public enum CallEndReason: String, Sendable, Equatable {
    case bye
    case cancel
    /// The INVITE got a final failure response.
    case rejected
    /// Neither SIP nor RTP for the idle timeout (or, on hold, no SIP for the hold timeout).
    case timeout
    /// The recorder stopped (end of the capture file, service shutdown) while the call was live.
    case shutdown
    /// A declared session (no SIP) was stopped by the control plane.
    case stopped
    /// Given up unanswered, without media or recordings, to make room for a new call in a full
    /// call table (`limits.maxCalls`).
    case evicted
}
