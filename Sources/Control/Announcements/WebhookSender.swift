import Crypto
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Posts announcements to one webhook (`notify.webhooks[]`): the sidecar as the body, signed
/// with HMAC-SHA256 under the webhook's secret. A 2xx answer acknowledges; any other answer, no
/// answer within the timeout, or no connection is a failure. Blocking: the courier's thread only.
final class WebhookSender: AnnouncementSender {
    private let url: URL
    private let secret: String
    private let session: URLSession
    private let timeoutSeconds: Double

    init(_ webhook: NotifySettings.Webhook, timeoutSeconds: Double) throws(AnnouncementFailure) {
        guard let url = URL(string: webhook.url) else { throw AnnouncementFailure("not a URL: \(webhook.url)") }
        self.url = url
        secret = webhook.secret
        self.timeoutSeconds = timeoutSeconds
        let configuration = URLSessionConfiguration.ephemeral
        configuration.timeoutIntervalForRequest = timeoutSeconds
        configuration.timeoutIntervalForResource = timeoutSeconds
        configuration.httpCookieStorage = nil
        configuration.urlCache = nil
        session = URLSession(configuration: configuration)
    }

    /// `sha256=` and the lowercase hex of the body's HMAC-SHA256 under `secret`.
    static func signature(of body: Data, secret: String) -> String {
        let code = HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: Data(secret.utf8)))
        return "sha256=" + code.map { String(format: "%02x", $0) }.joined()
    }

    func deliver(_ announcement: PendingAnnouncement, body: Data) throws(AnnouncementFailure) {
        var request = URLRequest(url: url, timeoutInterval: timeoutSeconds)
        request.httpMethod = "POST"
        request.httpBody = body
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue(Self.signature(of: body, secret: secret), forHTTPHeaderField: "X-Calltap-Signature")
        request.setValue(announcement.recordingIdentifier, forHTTPHeaderField: "X-Calltap-Recording")
        request.setValue(String(announcement.revision), forHTTPHeaderField: "X-Calltap-Revision")
        request.setValue(announcement.deliveryId, forHTTPHeaderField: "X-Calltap-Delivery")
        request.setValue(String(announcement.attempts + 1), forHTTPHeaderField: "X-Calltap-Attempt")
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { _, response, error in
            answer.status = (response as? HTTPURLResponse)?.statusCode
            answer.error = error.map { "\($0.localizedDescription)" }
            done.signal()
        }
        task.resume()
        // URLSession's own timeout ends the task; this bound is for a task that never calls back.
        if done.wait(timeout: .now() + timeoutSeconds + 5) == .timedOut {
            task.cancel()
            throw AnnouncementFailure("no answer within \(timeoutSeconds) s")
        }
        if let status = answer.status {
            guard (200..<300).contains(status) else { throw AnnouncementFailure("HTTP \(status)") }
            return
        }
        throw AnnouncementFailure(answer.error ?? "no answer")
    }

    func close() {
        session.invalidateAndCancel()
    }

    /// What the task's callback saw; read after the semaphore, so never at the same time.
    private final class Answer: @unchecked Sendable {
        var status: Int?
        var error: String?
    }
}
