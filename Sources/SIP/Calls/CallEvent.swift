/// What the call table tells the engine after a SIP message or a clock step.
public enum CallEvent {
    /// A new call (first INVITE).
    case started(Call)
    /// A side declared new media (offer or answer, early or in a re-INVITE).
    case mediaChanged(Call, CallSide)
    /// The call was answered.
    case answered(Call)
    /// The call ended; `Call.endReason` and `Call.endNanos` say how and when.
    case ended(Call)
    /// A call ended by a rejection or CANCEL goes on (retry with the same Call-ID, a forked answer).
    case revived(Call)
    /// The call is forgotten; its slot may be reused.
    case purged(Call)
}
