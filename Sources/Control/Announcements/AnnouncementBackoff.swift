import Foundation

/// How long a destination is left alone after failed attempts: `firstSeconds`, doubling with
/// each failure in a row up to `maxSeconds`, each wait spread by ±`jitter` so that servers that
/// failed together do not retry together. There is no last attempt: a row waits until its
/// destination takes it.
public struct AnnouncementBackoff: Sendable, Equatable {
    public var firstSeconds: Double
    public var maxSeconds: Double
    /// Share of the wait added or taken at random.
    public var jitter = 0.2

    public init(firstSeconds: Double, maxSeconds: Double) {
        self.firstSeconds = firstSeconds
        self.maxSeconds = maxSeconds
    }

    public init(_ settings: NotifySettings) {
        self.init(firstSeconds: settings.retryFirstSeconds, maxSeconds: settings.retryMaxSeconds)
    }

    /// The wait after `failures` failures in a row (1 or more), before jitter.
    public func baseSeconds(afterFailures failures: Int) -> Double {
        // 2^62 seconds is past any cap: the exponent stops there rather than overflow.
        min(maxSeconds, firstSeconds * pow(2, Double(min(max(failures, 1), 62) - 1)))
    }

    /// The wait after `failures` failures in a row; `random` in 0..<1 places it in the jitter's range.
    public func seconds(afterFailures failures: Int, random: Double = Double.random(in: 0..<1)) -> Double {
        min(maxSeconds, baseSeconds(afterFailures: failures) * (1 - jitter + 2 * jitter * random))
    }
}
