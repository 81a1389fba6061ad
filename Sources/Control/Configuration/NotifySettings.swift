/// Announcements of finished recordings (`notify`, docs/API.md "Announcements"): the webhooks
/// each sidecar is posted to and how patiently. The broker, when `cluster.broker` names one, is
/// told too.
public struct NotifySettings: Sendable, Equatable {
    /// One receiver of announcements (`notify.webhooks[]`).
    public struct Webhook: Sendable, Equatable {
        /// `http://` or `https://`.
        public var url: String
        /// Key of the HMAC-SHA256 signature of each body (`X-Calltap-Signature`).
        public var secret: String
        public init(url: String, secret: String) {
            self.url = url
            self.secret = secret
        }
    }

    public var webhooks: [Webhook] = []
    /// Wait before the first retry of an announcement; it doubles after each failure.
    public var retryFirstSeconds = 1.0
    /// The longest wait between two attempts.
    public var retryMaxSeconds = 300.0
    /// A webhook that has not answered in this long has failed the attempt.
    public var timeoutSeconds = 10.0

    public init() {}
}
