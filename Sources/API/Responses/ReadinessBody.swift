import Control

/// `GET /readyz`. When not ready (503) it is also an error body (`Code`, `Message`), so clients
/// that only read errors still learn why.
struct ReadinessBody: Codable, Equatable, Sendable {
    var ready: Bool
    var capture: Bool
    var storage: Bool
    /// Present in a cluster only.
    var broker: Bool?
    var detail: String
    var code: String?
    var message: String?

    init(_ readiness: Readiness) {
        ready = readiness.ready
        capture = readiness.capture
        storage = readiness.storage
        broker = readiness.broker
        detail = readiness.detail
        if !readiness.ready {
            code = ControlError.Code.unavailable.rawValue
            message = readiness.detail.isEmpty ? "capture, storage or broker is not usable" : readiness.detail
        }
    }

    enum CodingKeys: String, CodingKey {
        case ready = "Ready", capture = "Capture", storage = "Storage", broker = "Broker", detail = "Detail"
        case code = "Code", message = "Message"
    }
}

/// `GET /healthz`: the process answers.
struct HealthBody: Codable, Equatable, Sendable {
    var status = "ok"
    enum CodingKeys: String, CodingKey { case status = "Status" }
}
