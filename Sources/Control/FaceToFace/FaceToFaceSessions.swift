import Media

/// The tracker's index of face-to-face recordings: which agent holds each one, how many closed
/// ones stay, and the views the API reads. The recordings themselves are stored with their
/// agents (`TrackedAgent.faceToFace`), so that a restart finds them where the agent is.
struct FaceToFaceSessions {
    /// Closed recordings kept per agent, for reads and for the `409` of a late command.
    static let closedKept = 8

    /// The views HTTP handlers read without waiting for the capture thread.
    let snapshots = FaceToFaceSnapshots()
    /// The agent of each recording kept.
    private var owners: [String: Int] = [:]

    /// The agent holding recording `id`, if it is kept.
    func owner(of id: String) -> Int? { owners[id] }

    /// Every recording kept.
    var identifiers: Dictionary<String, Int>.Keys { owners.keys }

    /// A name for a new recording of `agentId` started at `nanos`: from the server, the agent and
    /// the capture time, so that a replay names it the same way every time.
    func newIdentifier(serverId: String, agentId: Int, at nanos: Int64) -> String {
        var segment = Int(truncatingIfNeeded: nanos)
        var id = RecordingIdentifier.make(serverId: serverId, callInstance: "f2f:\(agentId)", segment: segment)
        while owners[id] != nil {
            segment &+= 1
            id = RecordingIdentifier.make(serverId: serverId, callInstance: "f2f:\(agentId)", segment: segment)
        }
        return id
    }

    /// Puts `recording` into its agent's `list` (in place of the one with its id), lets the
    /// oldest closed ones beyond `closedKept` go, and publishes its view.
    mutating func keep(_ recording: FaceToFaceRecording, in list: inout [FaceToFaceRecording]) {
        if let i = list.firstIndex(where: { $0.id == recording.id }) { list[i] = recording } else { list.append(recording) }
        owners[recording.id] = recording.agentId
        let closed = list.filter { $0.status == .closed }
        if closed.count > Self.closedKept {
            let dropped = Set(closed.prefix(closed.count - Self.closedKept).map(\.id))
            list.removeAll { dropped.contains($0.id) }
            for id in dropped {
                owners[id] = nil
                snapshots.remove(id)
            }
        }
        snapshots.publish(recording.view)
    }
}
