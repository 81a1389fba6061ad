/// A SIP request method. Methods are case-sensitive (RFC 3261 §7.1): `INVITE` is
/// ``invite``, while `invite` is `.other("invite")`.
public enum SIPMethod: Hashable, Sendable, CustomStringConvertible {
    case invite, ack, bye, cancel, register, options, info, prack, update, refer, notify, subscribe,
         message, publish
    case other(String)

    public init(_ token: some StringProtocol) {
        switch token {
        case "INVITE": self = .invite
        case "ACK": self = .ack
        case "BYE": self = .bye
        case "CANCEL": self = .cancel
        case "REGISTER": self = .register
        case "OPTIONS": self = .options
        case "INFO": self = .info
        case "PRACK": self = .prack
        case "UPDATE": self = .update
        case "REFER": self = .refer
        case "NOTIFY": self = .notify
        case "SUBSCRIBE": self = .subscribe
        case "MESSAGE": self = .message
        case "PUBLISH": self = .publish
        default: self = .other(String(token))
        }
    }

    /// The method as written on the wire.
    public var name: String {
        switch self {
        case .invite: "INVITE"
        case .ack: "ACK"
        case .bye: "BYE"
        case .cancel: "CANCEL"
        case .register: "REGISTER"
        case .options: "OPTIONS"
        case .info: "INFO"
        case .prack: "PRACK"
        case .update: "UPDATE"
        case .refer: "REFER"
        case .notify: "NOTIFY"
        case .subscribe: "SUBSCRIBE"
        case .message: "MESSAGE"
        case .publish: "PUBLISH"
        case .other(let name): name
        }
    }

    public var description: String { name }
}
