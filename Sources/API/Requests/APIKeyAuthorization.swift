import Control
import Foundation
import Hummingbird

/// Checks `Authorization: Bearer <key>` against the configured keys and their roles. With no key
/// configured every request passes: the server then listens on loopback only (`calltap serve`
/// enforces that).
struct APIKeyAuthorization: Sendable {
    private let keys: [ServerConfiguration.APIKey]
    private let publicMetrics: Bool

    init(_ settings: ServerConfiguration.HTTPSettings) {
        keys = settings.keys
        publicMetrics = settings.publicMetrics
    }

    /// Checks the request's key for `access`; answers who it is (the key's name, or
    /// `AuditEntry.anonymous` when the server has no keys or the endpoint needs none).
    @discardableResult
    func authorize(_ request: Request, for access: RecorderEndpoint.Access) throws(ControlError) -> String {
        guard !keys.isEmpty else { return AuditEntry.anonymous }
        let needed: ServerConfiguration.APIRole
        switch access {
        case .open: return AuditEntry.anonymous
        case .metrics:
            if publicMetrics { return AuditEntry.anonymous }
            needed = .read
        case .read: needed = .read
        case .control: needed = .control
        case .admin: needed = .admin
        }
        guard let presented = bearerToken(request.headers[.authorization]) else {
            throw ControlError(.unauthorized, "an 'Authorization: Bearer <key>' header is required")
        }
        guard let key = keys.first(where: { Self.constantTimeEqual($0.key, presented) }) else {
            throw ControlError(.unauthorized, "the API key is not valid")
        }
        if key.role < needed {
            throw ControlError(.forbidden, "the API key '\(key.name)' has the '\(key.role.rawValue)' role; the '\(needed.rawValue)' role is needed")
        }
        return key.name
    }

    /// The name of the request's key whatever its role, else `AuditEntry.unauthenticated` (or
    /// `anonymous` without keys): who a refused request came from.
    func caller(_ request: Request) -> String {
        guard !keys.isEmpty else { return AuditEntry.anonymous }
        guard let presented = bearerToken(request.headers[.authorization]),
              let key = keys.first(where: { Self.constantTimeEqual($0.key, presented) }) else {
            return AuditEntry.unauthenticated
        }
        return key.name
    }

    private func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: .whitespaces)
        return token.isEmpty ? nil : token
    }

    /// Compares without stopping at the first difference, so that response time does not tell how
    /// much of a guessed key was right.
    static func constantTimeEqual(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        var difference = UInt8(truncatingIfNeeded: a.count ^ b.count)
        for index in 0..<max(a.count, b.count) {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0 && a.count == b.count
    }
}
