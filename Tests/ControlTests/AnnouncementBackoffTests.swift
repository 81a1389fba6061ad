import Foundation
import Testing
@testable import Control

/// The wait between attempts: 1 s doubling to the cap, spread by ±20 %, never past the cap;
/// and the webhook signature is HMAC-SHA256 as RFC 4231 computes it.
@Suite struct AnnouncementBackoffTests {
    let backoff = AnnouncementBackoff(firstSeconds: 1, maxSeconds: 300)

    @Test func theWaitDoublesUpToTheCap() {
        #expect((1...10).map { backoff.baseSeconds(afterFailures: $0) } == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300])
        #expect(backoff.baseSeconds(afterFailures: 10_000) == 300)
        #expect(backoff.baseSeconds(afterFailures: 0) == 1)
    }

    @Test func jitterSpreadsEachWaitByAFifthAndKeepsTheCap() {
        #expect(backoff.seconds(afterFailures: 3, random: 0) == 4 * 0.8)
        #expect(abs(backoff.seconds(afterFailures: 3, random: 0.999_999) - 4 * 1.2) < 1e-4)
        #expect(backoff.seconds(afterFailures: 20, random: 0.999) == 300)
        #expect(backoff.seconds(afterFailures: 20, random: 0) == 240)
        // With the jitter, each wait is still longer than the one before (up to the cap).
        for n in 1..<8 {
            #expect(backoff.seconds(afterFailures: n + 1, random: 0) > backoff.seconds(afterFailures: n, random: 0.999_999))
        }
    }

    @Test func theSignatureIsHMACSHA256InLowercaseHex() {
        // RFC 4231, test case 2.
        #expect(WebhookSender.signature(of: Data("what do ya want for nothing?".utf8), secret: "Jefe")
                == "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
    }
}
