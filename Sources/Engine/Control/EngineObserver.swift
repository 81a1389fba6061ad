import Media
import SIP

/// What the engine tells the control plane, on the capture thread, stamped with capture time.
/// The observer may call the engine's recording commands from inside these callbacks (to set a
/// new call's recording profile before its first packet, for example).
public protocol EngineObserver: AnyObject {
    /// A new call (its first INVITE). Set its `CallProfile` now to decide how it is recorded.
    func callStarted(_ call: Call, at nanos: Int64)
    /// The call was answered, or a side declared new media (hold and resume show here).
    func callChanged(_ call: Call, at nanos: Int64)
    /// The call ended (`Call.endReason`).
    func callEnded(_ call: Call, at nanos: Int64)
    /// The call is forgotten.
    func callPurged(_ callInstance: String)
    /// A recording was asked to open (its file opens on its worker).
    func recordingOpened(_ setup: RecordingSetup)
    /// A recording finished on its worker: file closed, sidecar written.
    func recordingFinished(_ result: RecordingResult)
    /// The capture clock reached `nanos` (every 100 ms of capture time): for what ends by time.
    func clockAdvanced(to nanos: Int64)
}
