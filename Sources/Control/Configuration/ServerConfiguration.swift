import Engine
import SIP

/// Everything `calltap serve` (and a replay with `--control` or `--http`) is configured with:
/// the engine's settings and the parts the control plane and the API read.
///
/// The engine's part (`engine`) holds `storage`, `timezone`, `dialPlan`, `calls`,
/// `capture.sipPorts`/`vxlanPorts`, `cluster.serverId`, `media.workers` and `limits.maxCalls`;
/// the rest lives here.
public struct ServerConfiguration: Sendable {
    public var engine = EngineConfiguration()
    public var capture = CaptureSettings()
    public var http = HTTPSettings()
    /// The configured agents: they seed the agent directory, which the agents API also changes.
    public var agents: [AgentProfile] = []
    /// The policies of agents that name none of their own.
    public var policies = RecordingPolicies()
    public var blackout = BlackoutSettings()
    public var f2f = FaceToFaceSettings()
    public var cluster = ClusterSettings()
    public var limits = Limits()
    /// Where expired recordings go and when the sweeper runs; how long each is kept is in `policies.retention`.
    public var sweep = SweepSettings()
    /// Who is told of finished recordings besides the broker (`notify`).
    public var notify = NotifySettings()
    /// The Ed25519 key that seals finished recordings on a chain (`storage.sealing.keyFile`);
    /// nil seals nothing. `serve` makes the key when the file is not there.
    public var sealKeyFile: String?
    /// The keys that encrypt recorded audio at rest (`storage.encryption.keyFile`); nil: plain.
    public var audioKeyFile: String?

    public init() {}

    /// Live capture: which interfaces, how (docs/API.md "Configuration", `capture`).
    public struct CaptureSettings: Sendable, Equatable {
        public var interfaces: [String] = []
        /// A BPF filter expression; empty captures everything.
        public var filter = ""
        public var bufferMiB = 64
        public var promiscuous = true
        public var snapLength = 65535
        /// `/readyz` answers 503 when the capture loop has made no progress for this long.
        public var stallSeconds = 5.0
        public init() {}
    }

    /// The REST API's listener and credentials (`http`).
    public struct HTTPSettings: Sendable, Equatable {
        /// `host:port`, an IPv6 host in brackets (`[::1]:8080`); the loader checks it, the API parses it.
        public var bind = "127.0.0.1:8080"
        public var keys: [APIKey] = []
        /// `/metrics` without a key.
        public var publicMetrics = false
        /// Web origins whose pages may call the API from a browser (`http.cors.allowedOrigins`):
        /// `scheme://host[:port]`, or `*` for any. None by default.
        public var allowedOrigins: [String] = []
        /// A connection with no request in progress for this long is closed (keep-alive idle, a
        /// request body or response that stalls).
        public var idleTimeoutSeconds = 60.0
        /// A connection must deliver a complete request head this long after it opens, or after
        /// the first byte of a later request; else it is closed.
        public var requestHeaderTimeoutSeconds = 10.0
        /// Connections open at once; more are closed as soon as they are accepted. `serve` lowers
        /// it further so that HTTP never takes the descriptors `limits.reservedDescriptors` keeps.
        public var maxConnections = 1000
        /// Connections open at once from one client address; more from it are closed on accept.
        public var maxConnectionsPerClient = 100
        /// HTTPS (`http.tls`); nil serves plain HTTP.
        public var tls: TLSFiles?
        public init() {}
    }

    /// The API's certificate chain and key (PEM files), and the CA that client certificates must
    /// chain to for mutual TLS (nil: none asked for). Read at start and on SIGHUP.
    public struct TLSFiles: Sendable, Equatable {
        public var certificate: String
        public var privateKey: String
        public var clientCA: String?
        public init(certificate: String, privateKey: String, clientCA: String? = nil) {
            self.certificate = certificate
            self.privateKey = privateKey
            self.clientCA = clientCA
        }
    }

    /// One API key and what it may do (`http.keys`).
    public struct APIKey: Sendable, Equatable {
        /// Who holds it, as logs and errors name it (`key-N` when the configuration gives none).
        public var name: String
        public var key: String
        public var role: APIRole
        public init(name: String = "", key: String, role: APIRole) {
            self.name = name
            self.key = key
            self.role = role
        }
    }

    /// `read` may GET; `control` may also command recordings, blackouts and face-to-face and log
    /// agents in and out; `admin` may also create, replace and remove agents.
    public enum APIRole: String, Sendable, Equatable, CaseIterable, Comparable {
        case read
        case control
        case admin

        /// Each role may do what the ones before it may.
        public static func < (lhs: APIRole, rhs: APIRole) -> Bool {
            allCases.firstIndex(of: lhs)! < allCases.firstIndex(of: rhs)!
        }
    }

    /// How long a blackout may last at most (`blackout`).
    public struct BlackoutSettings: Sendable, Equatable {
        public var maxAgentBlackoutSeconds = 600.0
        public init() {}
    }

    /// Face-to-face recordings (`f2f`).
    public struct FaceToFaceSettings: Sendable, Equatable {
        /// How long a stopped F2F recording stays in `WrapUp` (tags still accepted) before `Closed`.
        public var wrapUpSeconds = 30.0
        public init() {}
    }

    /// The RabbitMQ broker the servers of a cluster share (`cluster`); the server id is `engine.serverId`.
    public struct ClusterSettings: Sendable, Equatable {
        /// amqp URL; nil runs alone.
        public var broker: String?
        /// Fanout exchange that carries blackouts between servers (each server reads all of them).
        public var blackoutExchange = "calltap.blackouts"
        /// Topic exchange that carries screen-recording commands to the agents' stations.
        public var screenExchange = "calltap.screen"
        /// For an `amqps://` broker (`cluster.tls`).
        public var tls = BrokerTLS()
        public init() {}
    }

    /// Bounds that protect the server (`limits`).
    public struct Limits: Sendable, Equatable {
        /// Request bodies larger than this get `413`.
        public var maxBodyBytes = 64 * 1024
        /// File descriptors `serve` keeps out of HTTP's reach, for recordings, the capture, the
        /// database and the broker: HTTP connections get at most the soft descriptor limit minus this.
        public var reservedDescriptors = 512
        public init() {}
    }
}
