import EddyKafka

/// What the global-store thread has done, for `/metrics`: the records it applied to the
/// global stores and those it skipped (no key, unreadable), whether the bootstrap is done
/// and how many offsets it has still to read, and each partition's lag.
public struct GlobalThreadFigures: Sendable {
    public var applied: Int
    public var skipped: Int
    public var bootstrapped: Bool
    public var bootstrapRemaining: Int
    public var lag: [KafkaTopicPartition: Int64]
}

extension StreamsApp {
    /// The global-store thread's figures; nil without global tables or before ``start()``.
    public var globalThreadFigures: GlobalThreadFigures? {
        guard let thread = global?.thread else { return nil }
        return GlobalThreadFigures(
            applied: thread.applied.load(ordering: .relaxed), skipped: thread.skipped.load(ordering: .relaxed),
            bootstrapped: thread.isBootstrapped, bootstrapRemaining: thread.bootstrapRemaining.load(ordering: .relaxed),
            lag: thread.lag.withLock { $0 })
    }
}
