/// What the agent directory keeps about one agent id: the agent as last defined, whether it was
/// removed, where it is logged in, and which change made it so. Stored per id in the tracker's
/// database and shared with the other servers of a cluster, where the later change wins.
public struct DirectoryEntry: Codable, Sendable, Equatable {
    public var profile: AgentProfile
    /// Removed by the API, the configuration or another server. The profile stays, so that calls
    /// in progress keep their agent, and so that a reload knows the removal is newer than the file.
    public var removed: Bool
    public var login: AgentLogin?
    /// When the change was made (nanoseconds since 1970, the tracker's clock) and by which server.
    public var changedNanos: Int64
    public var origin: String
    /// This server's configuration entry for the agent when it was last applied. A reload applies
    /// the file's entry only when it differs from this, so that what the API changed since stays
    /// until the file changes that agent. Not shared: each server has its own file.
    public var configured: AgentProfile?

    public init(profile: AgentProfile, removed: Bool = false, login: AgentLogin? = nil, changedNanos: Int64,
                origin: String, configured: AgentProfile? = nil) {
        self.profile = profile
        self.removed = removed
        self.login = login
        self.changedNanos = changedNanos
        self.origin = origin
        self.configured = configured
    }

    /// Whether this change is later than `other`: by time, and between two changes made in the
    /// same nanosecond by the server id, so that every server keeps the same one.
    public func supersedes(_ other: DirectoryEntry) -> Bool {
        (changedNanos, origin) > (other.changedNanos, other.origin)
    }

    /// Whether the agent is as this server's configuration says (not changed by the API or another server since).
    public var isAsConfigured: Bool { !removed && configured == profile }

    /// The agent as calls and requests find it: reached on the phone and desktop it is logged in to.
    public var effectiveProfile: AgentProfile {
        var profile = profile
        if let phone = login?.phone { profile.phone = phone }
        if let deviceId = login?.deviceId { profile.deviceId = deviceId }
        return profile
    }
}

/// Where an agent logged in (hot-desking): the phone calls reach them on and the desktop device
/// their screen is recorded on, in place of their own until they log out.
public struct AgentLogin: Codable, Sendable, Equatable {
    public var phone: String?
    public var deviceId: String?
    /// When they logged in (nanoseconds since 1970).
    public var nanos: Int64

    public init(phone: String?, deviceId: String?, nanos: Int64) {
        self.phone = phone
        self.deviceId = deviceId
        self.nanos = nanos
    }
}
