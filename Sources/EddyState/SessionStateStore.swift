/// A session store of one task: (record key, session `[start, end]`) → value, a
/// ``SegmentedStateStore`` (like ``WindowStateStore``) whose entries are retained by their
/// session end: stream time is the greatest session end put (or what the runtime passes to
/// ``advanceStreamTime(to:)``); writes to expired sessions are dropped and reads never return
/// them. Layout: see ``SessionKeyCodec``.
///
/// Not thread-safe; belongs to the stream thread that owns the task, like ``KeyValueStateStore``.
public final class SessionStateStore: SegmentedStateStore {
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

    private let codec: SessionKeyCodec

    override init(store: KeyValueStateStore, retentionMs: Int64, segmentIntervalMs: Int64) throws {
        codec = SessionKeyCodec(segmentIntervalMs: segmentIntervalMs)
        try super.init(store: store, retentionMs: retentionMs, segmentIntervalMs: segmentIntervalMs)
        try recoverStreamTime { SessionKeyCodec.decode($0)?.end }
    }

    /// The earliest session end that is still live.
    public var earliestLiveSessionEnd: Int64 { earliestLiveTime }

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

    /// Applies a batch of changelog records (keys in changelog form) and advances the
    /// checkpoint, atomically. See ``KeyValueStateStore/restore(_:nextOffset:_:)``.
    public func restore(
        _ partition: ChangelogPartition, nextOffset: Int64, _ fill: (inout SessionRestoreBatch) throws -> Void
    ) throws {
        try restore(
            partition, nextOffset: nextOffset,
            make: { inner, buffer in
                SessionRestoreBatch(inner: inner, codec: codec, storeName: store.name, buffer: buffer)
            }, fill)
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
}

extension Array {
    fileprivate func isSorted(by precedes: (Element, Element) -> Bool) -> Bool {
        zip(self, dropFirst()).allSatisfy { !precedes($1, $0) }
    }
}
