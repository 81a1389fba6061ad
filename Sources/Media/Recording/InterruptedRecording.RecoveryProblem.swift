extension InterruptedRecording {
    /// What is wrong with one audio file, in words for the sidecar's `EndReason`.
    struct RecoveryProblem: Error, Equatable, ExpressibleByStringInterpolation, CustomStringConvertible {
        var description: String

        init(_ description: String) { self.description = description }
        init(stringLiteral value: String) { description = value }
    }
}
