/// What the engine has seen so far, as `/metrics` reports it.
public struct EngineStatistics: Sendable, Equatable {
    public var packets: Int
    /// Packets not used, by cause (the replay summary's `NotUsed`).
    public var notUsed: [String: Int]
    public var callsSeen: Int
    public var callsActive: Int
    /// Live calls given up to make room for new ones in a full call table.
    public var callsEvicted: Int
    public var recordingsOpen: Int
    /// Recordings that did not start because storage was below `storage.minFreeMiB`.
    public var recordingsRefusedForStorage = 0
}
