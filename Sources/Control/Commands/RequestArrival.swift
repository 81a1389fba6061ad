import Engine

/// When the request that carries a command arrived, by the wall clock: the HTTP side sets it as
/// the request comes in (before its body is read and parsed), the control plane stamps the
/// command with it. Unset (a command from elsewhere), the control plane reads the clock itself.
public enum RequestArrival {
    @TaskLocal public static var wallNanos: Int64?

    /// Runs `body` with the arrival of a request that came in now.
    public static func stamped<T>(_ body: () async throws -> T) async rethrows -> T {
        try await $wallNanos.withValue(LiveCapture.wallNanos(), operation: body)
    }
}
