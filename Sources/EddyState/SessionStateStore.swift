/// A session store of one task: (record key, session `[start, end]`) → value, with
/// retention by stream time, built on a ``KeyValueStateStore`` (same cache, commit, checkpoint
/// and restore path as ``WindowStateStore``). Layout: see ``SessionKeyCodec``.
///
/// Retention: with observed stream time `t` (the greatest session end put, or what the
/// runtime passes to ``advanceStreamTime(to:)``), a session is live while its end is at
/// least `t - retentionMs + 1`. Writes to expired sessions are dropped, reads never return
/// them, and whole segments that have expired are deleted at the next commit in the same
/// write batch as the data.
///
/// Not thread-safe; belongs to the stream thread that owns the task, like ``KeyValueStateStore``.
public final class SessionStateStore {
    /// One session of a key: its window (both ends inclusive, ms) and value.
    public struct Session: Equatable, Sendable {
        public var start: Int64
        public var end: Int64
        public var value: [UInt8]

        public init(start: Int64, end: Int64, value: [UInt8]) {
            self.start = start
            self.end = end
            self.value = value
        }
    }

    /// How long sessions are kept behind stream time, by their end.
    public let retentionMs: Int64
    /// The time span of one segment; fixed at creation (it is part of the layout).
    public let segmentIntervalMs: Int64
    /// The greatest stream time seen; `Int64.min` before any.
    public private(set) var observedStreamTime: Int64 = .min

    let store: KeyValueStateStore
    private let codec: SessionKeyCodec
    private var keyBuffer: [UInt8] = []
    private var upperBuffer: [UInt8] = []
    private var purgedBelowSegment: Int64 = 0

    /// The segment interval Kafka Streams would choose: half the retention, at least a minute.
    public static func defaultSegmentInterval(retentionMs: Int64) -> Int64 {
        WindowStateStore.defaultSegmentInterval(retentionMs: retentionMs)
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
        codec = SessionKeyCodec(segmentIntervalMs: segmentIntervalMs)
        try recoverStreamTime()
    }

    /// The store's name.
    public var name: String { store.name }
    /// The changelog offsets the committed data reaches (see ``KeyValueStateStore/checkpoint``).
    public var checkpoint: [ChangelogPartition: Int64] { store.checkpoint }
    /// Whether the shared record-cache budget is full: the runtime should commit now.
    public var needsCommit: Bool { store.needsCommit }
    /// The number of (key, session) entries written since the last commit.
    public var dirtyEntryCount: Int { store.dirtyEntryCount }

    /// The earliest session end that is still live.
    public var earliestLiveSessionEnd: Int64 {
        observedStreamTime == .min ? 0 : max(0, observedStreamTime - retentionMs + 1)
    }

    /// Moves stream time forward (never back); sessions that fall out of retention disappear.
    public func advanceStreamTime(to time: Int64) {
        if time > observedStreamTime { observedStreamTime = time }
    }

    // MARK: - Reads and writes

    /// Sets (or, with `value` nil, removes) `key`'s session `[start, end]`, advancing stream
    /// time to `end`. Returns false, writing nothing, when the session has already expired.
    @discardableResult
    public func put(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64, value: UnsafeRawBufferPointer?) throws
        -> Bool
    {
        try checkTimes(start: start, end: end)
        advanceStreamTime(to: end)
        guard end >= earliestLiveSessionEnd else { return false }
        codec.encode(key, start: start, end: end, into: &keyBuffer)
        keyBuffer.withUnsafeBytes { k in
            if let value { store.put(k, value) } else { store.delete(k) }
        }
        return true
    }

    /// Removes `key`'s session `[start, end]`; removing an absent or expired one does nothing.
    public func remove(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64) throws {
        try checkTimes(start: start, end: end)
        guard end >= earliestLiveSessionEnd else { return }
        codec.encode(key, start: start, end: end, into: &keyBuffer)
        keyBuffer.withUnsafeBytes { store.delete($0) }
    }

    /// `key`'s live sessions that end at or after `earliestEnd` and start at or before
    /// `latestStart`, ordered by start, then end (Kafka Streams' `findSessions`).
    public func findSessions(_ key: UnsafeRawBufferPointer, earliestEnd: Int64, latestStart: Int64) throws -> [Session]
    {
        guard observedStreamTime != .min else { return [] }
        let low = max(earliestEnd, earliestLiveSessionEnd)
        let high = observedStreamTime
        guard low <= high, latestStart >= 0 else { return [] }
        var found: [Session] = []
        for segment in codec.segment(of: low)...codec.segment(of: high) {
            let segmentLow = max(low, segment * segmentIntervalMs)
            let segmentHigh = min(high, segment &* segmentIntervalMs &+ (segmentIntervalMs - 1))
            codec.encode(key, start: 0, end: segmentLow, into: &keyBuffer)
            codec.encode(key, start: .max, end: segmentHigh, into: &upperBuffer)
            let lower = keyBuffer
            let upper = upperBuffer
            try lower.withUnsafeBytes { l in
                try upper.withUnsafeBytes { u in
                    try store.range(from: l, to: u) { k, v in
                        let start = WindowKeyCodec.readInt64(k, at: k.count - 8)
                        if start <= latestStart {
                            found.append(
                                Session(
                                    start: start, end: WindowKeyCodec.readInt64(k, at: k.count - 16), value: Array(v)))
                        }
                        return true
                    }
                }
            }
        }
        // Stored by end; sessions of one key rarely overlap, so this is almost always sorted.
        if !found.isSorted(by: Self.precedes) { found.sort(by: Self.precedes) }
        return found
    }

    // MARK: - Commit and restore

    /// Calls `body` for each (key, session) written since the last commit, in stored order,
    /// with its changelog key (`[record key][end: 8][start: 8]`, big-endian) and value, nil
    /// for a removal. See ``KeyValueStateStore/forEachDirtyEntry(_:)``.
    public func forEachDirtyEntry(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) rethrows {
        try store.forEachDirtyEntry { key, value in try body(SessionKeyCodec.changelogKey(of: key), value) }
    }

    /// Writes the uncommitted sessions, deletes expired segments and records the checkpoint,
    /// in one atomic batch. See ``KeyValueStateStore/commit(checkpoint:)``.
    public func commit(checkpoint offsets: [ChangelogPartition: Int64]) throws {
        let firstLiveSegment = codec.segment(of: earliestLiveSessionEnd)
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

    /// Applies a batch of changelog records (keys in changelog form) and advances the
    /// checkpoint, atomically. See ``KeyValueStateStore/restore(_:nextOffset:_:)``.
    public func restore(
        _ partition: ChangelogPartition, nextOffset: Int64, _ fill: (inout SessionRestoreBatch) throws -> Void
    ) throws {
        var latest = observedStreamTime
        try store.restore(partition, nextOffset: nextOffset) { inner in
            var batch = SessionRestoreBatch(inner: inner, codec: codec, storeName: store.name, buffer: keyBuffer)
            try fill(&batch)
            inner = batch.inner
            keyBuffer = batch.buffer
            latest = max(latest, batch.latestSessionEnd)
        }
        advanceStreamTime(to: latest)
    }

    /// Writes the changelog records gathered by ``restore(_:nextOffset:_:)``; see
    /// ``KeyValueStateStore/completeRestore()``.
    public func completeRestore() throws {
        try store.completeRestore()
    }

    /// Closes the store, dropping uncommitted writes.
    public func close() {
        store.close()
    }

    // MARK: - Private

    private static func precedes(_ a: Session, _ b: Session) -> Bool {
        (a.start, a.end) < (b.start, b.end)
    }

    private func checkTimes(start: Int64, end: Int64) throws {
        guard start >= 0, start <= end else {
            throw StateStoreError.invalidArgument(
                store: store.name,
                reason:
                    "session [\(start), \(end)] is not a session window: times are epoch milliseconds with 0 ≤ start ≤ end"
            )
        }
    }

    /// Stream time after a restart: the greatest session end in the newest segment.
    private func recoverStreamTime() throws {
        guard let last = try store.lastCommittedKey(), last.count >= 28 else { return }
        let prefix = Array(last[0..<8])
        var latest = Int64.min
        try prefix.withUnsafeBytes { p in
            try store.prefixScan(p) { k, _ in
                if let (_, _, end) = SessionKeyCodec.decode(k) { latest = max(latest, end) }
                return true
            }
        }
        advanceStreamTime(to: latest)
    }
}

extension Array {
    fileprivate func isSorted(by precedes: (Element, Element) -> Bool) -> Bool {
        zip(self, dropFirst()).allSatisfy { !precedes($1, $0) }
    }
}
