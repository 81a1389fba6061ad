import Media
import SIP
import Wire

/// Sessions the control plane declares without signalling (face-to-face recordings). A declared
/// session is a call of the call table that SIP never touches: its streams' addresses are claimed
/// in the flow table as an SDP would claim them, so their RTP takes the path of call media (ring,
/// worker, decoder, timeline, gates, writer). Only `closeDeclaredSession` (or the end of capture)
/// ends it; the observer hears of its recordings, not of its call events, since it declared it.
extension CaptureEngine {
    /// Declares `session` at `nanos` and opens its recording from there (the file's timeline starts
    /// at the declaration, not at the first packet). Stream `i` is sent by side `i` and fills
    /// channel `i`. Returns the recording's identifier; nil when the identifier is in use or the
    /// session has no stream or more than `DeclaredSession.maxStreams`, or when `nanos` is no
    /// capture time (0 before the clock started): a file that starts in 1970 and stops now would be
    /// decades of silence.
    @discardableResult
    public func openDeclaredSession(_ session: DeclaredSession, at nanos: Int64, nextSegment: Int? = nil) -> String? {
        guard !session.streams.isEmpty, session.streams.count <= DeclaredSession.maxStreams,
              nanos > 0, firstNanos < 0 || nanos >= firstNanos else { return nil }
        if firstNanos < 0 { advance(to: nanos, wire: nil) }
        // A session declared again after it ended comes with the old one's purge first.
        guard let events = callTable.declare(id: session.identifier, nanos: nanos),
              case .started(let call)? = events.first(where: { if case .started = $0 { true } else { false } })
        else { return nil }
        apply(events)
        var maps = session.streams.map(\.payloadMap)
        while maps.count < CallSide.allCases.count { maps.append(PayloadMap()) }
        controls[call.slot].declaredPayloadMaps = maps
        for (index, stream) in session.streams.enumerated() {
            // A claim names the side that receives at the address; the stream's sender is the other.
            let receiver = CallSide(rawValue: index)!.other
            flows.claim(stream.destination, call: call.slot, side: receiver, isAudio: true, isEncrypted: false,
                        yields: yieldsToSignalling)
        }
        setProfile(CallProfile(recordFromStart: false, agentId: session.agentId, sideToChannel: [0, 1],
                               channelRoles: session.streams.map(\.role), metadata: session.metadata,
                               nextSegment: nextSegment),
                   of: session.identifier)
        return startPrimary(session.identifier, at: nanos)
    }

    /// Ends a declared session and its recording at `nanos`, with `reason` as the sidecar's end reason.
    public func closeDeclaredSession(_ identifier: String, at nanos: Int64, reason: CallEndReason = .stopped) {
        apply(callTable.endDeclared(id: identifier, reason: reason, at: max(nanos, callTable.call(id: identifier)?.inviteNanos ?? nanos)))
    }

    /// Whether `identifier` names a declared session still in progress.
    public func isDeclaredSessionOpen(_ identifier: String) -> Bool {
        guard let call = callTable.call(id: identifier) else { return false }
        return call.isDeclared && call.state != .ended
    }
}
