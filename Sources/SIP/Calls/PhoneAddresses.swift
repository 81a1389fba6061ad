import Wire

/// Where phones are, as their REGISTERs say: the host of a registration's Contact and the user
/// of its address of record (the extension). A call known only from its media has no SIP
/// identities; the phones at its two addresses are the only parties that can be named, and
/// through them an agent's policy applies. Bounded; an unregistration (`expires=0`) forgets.
public struct PhoneAddresses {
    public static let maxEntries = 100_000
    private var users: [IPAddress: String] = [:]

    public init() {}

    /// Takes a REGISTER request; other messages are ignored.
    mutating func note(_ message: SIPMessage) {
        guard message.method == .register, let contact = message.contact,
              let address = IPAddress(contact.uri.host), let user = message.to.uri.user, !user.isEmpty else { return }
        let expires = contact.parameters["expires"] ?? message.header("Expires")
        if expires?.filter({ $0 != " " && $0 != "\t" }) == "0" {
            users[address] = nil
        } else if users[address] != nil || users.count < Self.maxEntries {
            users[address] = user
        }
    }

    /// The user registered from `address`, if any.
    public func user(at address: IPAddress) -> String? {
        users[address]
    }
}
