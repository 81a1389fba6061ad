/// An RFC 4733 telephone-event payload: which event, whether it has ended, and how long it lasted.
public struct TelephoneEvent: Equatable, Sendable {
    public var event: UInt8
    public var isEnd: Bool
    public var volume: UInt8
    /// In RTP timestamp units from the event's start (the packet's timestamp).
    public var duration: UInt16

    public init?(_ payload: UnsafeRawBufferPointer) {
        guard payload.count >= 4 else { return nil }
        event = payload[0]
        isEnd = payload[1] & 0x80 != 0
        volume = payload[1] & 0x3F
        duration = UInt16(payload[2]) << 8 | UInt16(payload[3])
    }

    /// The DTMF digit for events 0–15 (`0`–`9`, `*`, `#`, `A`–`D`); nil for other events (tones, flash).
    public var digit: Character? { Self.digit(event) }

    public static func digit(_ event: UInt8) -> Character? {
        let digits: [Character] = ["0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "*", "#", "A", "B", "C", "D"]
        return event < 16 ? digits[Int(event)] : nil
    }
}
