/// What window and session stores share: a ``KeyValueStateStore`` whose stored keys begin with
/// an 8-byte big-endian segment id (the entry's retention time — a window's start, a session's
/// end — divided by the segment interval), stream time taken from those times, and retention
/// by whole segments: an entry is live while its time is at least `t - retentionMs + 1` for
/// observed stream time `t`, and segments that have expired are deleted at the next commit in
/// the same write batch as the data. Subclasses own the rest of the key layout and the reads.
///
/// Not thread-safe; belongs to the stream thread that owns the task, like ``KeyValueStateStore``.
public class SegmentedStateStore {
    /// How long entries are kept behind stream time.
    public let retentionMs: Int64
    /// The time span of one segment; fixed at creation (it is part of the layout).
    public let segmentIntervalMs: Int64
    /// The greatest stream time seen; `Int64.min` before any.
    public private(set) var observedStreamTime: Int64 = .min

    let store: KeyValueStateStore
    /// Reused for encoding keys, so reads and writes allocate nothing once it has grown.
    var keyBuffer: [UInt8] = []
    /// The upper bound of a range read, reused likewise.
    var upperBuffer: [UInt8] = []
    private var purgedBelowSegment: Int64 = 0

    /// The segment interval Kafka Streams would choose: half the retention, at least a minute.
    public static func defaultSegmentInterval(retentionMs: Int64) -> Int64 {
        max(retentionMs / 2, 60_000)
    }

    init(store: KeyValueStateStore, retentionMs: Int64, segmentIntervalMs: Int64) throws {
        guard retentionMs > 0, segmentIntervalMs > 0 else {
            throw StateStoreError.invalidArgument(
                store: store.name,
                reason: "retention (\(retentionMs) ms) and segment interval (\(segmentIntervalMs) ms) must be positive")
        }
        self.store = store
        self.retentionMs = retentionMs
        self.segmentIntervalMs = segmentIntervalMs
    }

    /// The store's name.
    public var name: String { store.name }
    /// The changelog offsets the committed data reaches (see ``KeyValueStateStore/checkpoint``).
    public var checkpoint: [ChangelogPartition: Int64] { store.checkpoint }
    /// Whether the shared record-cache budget is full: the runtime should commit now.
    public var needsCommit: Bool { store.needsCommit }
    /// The number of entries written since the last commit.
    public var dirtyEntryCount: Int { store.dirtyEntryCount }

    /// The earliest retention time (window start, session end) that is still live.
    var earliestLiveTime: Int64 {
        observedStreamTime == .min ? 0 : max(0, observedStreamTime - retentionMs + 1)
    }

    /// Moves stream time forward (never back); entries that fall out of retention disappear.
    public func advanceStreamTime(to time: Int64) {
        if time > observedStreamTime { observedStreamTime = time }
    }

    // MARK: - Commit and restore

    /// Writes the uncommitted entries, deletes expired segments and records the checkpoint,
    /// in one atomic batch. See ``KeyValueStateStore/commit(checkpoint:)``.
    public func commit(checkpoint offsets: [ChangelogPartition: Int64]) throws {
        let firstLiveSegment = earliestLiveTime / segmentIntervalMs
        if firstLiveSegment > purgedBelowSegment {
            store.deleteRangeAtCommit(
                from: WindowKeyCodec.segmentPrefix(0), to: WindowKeyCodec.segmentPrefix(firstLiveSegment))
        }
        try store.commit(checkpoint: offsets)
        purgedBelowSegment = max(purgedBelowSegment, firstLiveSegment)
    }

    /// Drops every uncommitted write (after an aborted transaction).
    public func discardUncommitted() {
        store.discardUncommitted()
    }

    /// Writes the changelog records gathered by the subclass's `restore`; see
    /// ``KeyValueStateStore/completeRestore()``.
    public func completeRestore() throws {
        try store.completeRestore()
    }

    /// Closes the store, dropping uncommitted writes.
    public func close() {
        store.close()
    }

    // MARK: - For subclasses

    /// Applies one restore batch through `fill`, then advances stream time to the latest
    /// retention time it restored. `make` wraps the inner batch in the subclass's batch type.
    func restore<Batch: SegmentedRestoreBatch>(
        _ partition: ChangelogPartition, nextOffset: Int64, make: (StoreRestoreBatch, [UInt8]) -> Batch,
        _ fill: (inout Batch) throws -> Void
    ) throws {
        var latest = observedStreamTime
        try store.restore(partition, nextOffset: nextOffset) { inner in
            var batch = make(inner, keyBuffer)
            try fill(&batch)
            inner = batch.inner
            keyBuffer = batch.buffer
            latest = max(latest, batch.latestTime)
        }
        advanceStreamTime(to: latest)
    }

    /// Stream time after a restart: the greatest retention time among the newest segment's
    /// keys, which `time` reads from a stored key (nil for one too short to hold it).
    func recoverStreamTime(_ time: (UnsafeRawBufferPointer) -> Int64?) throws {
        guard let last = try store.lastCommittedKey(), last.count >= 8 else { return }
        let prefix = Array(last[0..<8])
        var latest = Int64.min
        try prefix.withUnsafeBytes { p in
            try store.prefixScan(p) { k, _ in
                if let t = time(k) { latest = max(latest, t) }
                return true
            }
        }
        advanceStreamTime(to: latest)
    }
}

/// A restore batch of a segmented store: the key-value batch it fills, the reused key buffer,
/// and the latest retention time it restored.
protocol SegmentedRestoreBatch {
    var inner: StoreRestoreBatch { get }
    var buffer: [UInt8] { get }
    var latestTime: Int64 { get }
}
