import Media

/// The capture thread's media view of one call: which worker records it, how many of its
/// recordings are open, and when its RTP was last seen. Indexed by the call's slot; read per packet.
struct CallMedia {
    var worker = 0
    var ended = false
    /// Recordings open on the call: the primary segment and duplicates.
    var openRecordings = 0
    /// The primary recording ended (by the call, or by a stop command): later packets do not
    /// open it again by themselves.
    var primaryDone = false
    /// Open the primary recording at the first packet (policy `always`, or no agent and
    /// recording without agents is on).
    var recordFromStart = true
    /// A recording of the call was refused because storage was low; counted once until one starts.
    var refusedForStorage = false
    /// Flows announced to the worker (numbered from 0 per call).
    var flows = 0
    /// The number of the call's next recording.
    var segment = 0
    var lastRTPNanos: Int64 = 0
}

/// The capture thread's control view of one call, beside `CallMedia` and off the packet path:
/// what the control plane decided, which recordings are open, and the signalling that restores
/// the call after a restart.
struct CallControl {
    var profile: CallProfile?
    var primary: String?
    var duplicates: [String] = []
    /// The first INVITE, each side's latest session description, the answer.
    var signalling: [String: StoredSIPMessage] = [:]
    /// A declared session's payload maps per side: its streams name their codecs, not an SDP.
    var declaredPayloadMaps: [PayloadMap]?
}
