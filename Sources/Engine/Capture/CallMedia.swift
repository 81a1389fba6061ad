/// The capture thread's media view of one call: which worker records it, whether its recording is
/// open, and when its RTP was last seen. Indexed by the call's slot.
struct CallMedia {
    var worker = 0
    var ended = false
    var recordingOpen = false
    /// The call was recorded and its recording ended: later packets are not recorded again.
    var recordingDone = false
    var flows = 0
    var segment = 0
    var lastRTPNanos: Int64 = 0
}
