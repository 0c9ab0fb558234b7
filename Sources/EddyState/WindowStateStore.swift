/// A window store of one task: (record key, window start) → value, a ``SegmentedStateStore``
/// (built on a ``KeyValueStateStore``: same cache, commit, checkpoint and restore path) whose
/// entries are retained by their window start: stream time is the greatest window start put
/// (or what the runtime passes to ``advanceStreamTime(to:)``); puts to expired windows are
/// dropped and reads never return them. Layout: see ``WindowKeyCodec``.
///
/// Not thread-safe; belongs to the stream thread that owns the task, like ``KeyValueStateStore``.
public final class WindowStateStore: SegmentedStateStore {
    private let codec: WindowKeyCodec

    override init(store: KeyValueStateStore, retentionMs: Int64, segmentIntervalMs: Int64) throws {
        codec = WindowKeyCodec(segmentIntervalMs: segmentIntervalMs)
        try super.init(store: store, retentionMs: retentionMs, segmentIntervalMs: segmentIntervalMs)
        try recoverStreamTime { k in k.count >= 16 ? WindowKeyCodec.readInt64(k, at: k.count - 8) : nil }
    }

    /// The earliest window start that is still live.
    public var earliestLiveWindowStart: Int64 { earliestLiveTime }

    // MARK: - Reads and writes

    /// Sets (or, with `value` nil, deletes) the window of `key` starting at `windowStart`,
    /// advancing stream time to `windowStart`. Returns false, writing nothing, when the
    /// window has already expired.
    @discardableResult
    public func put(_ key: UnsafeRawBufferPointer, windowStart: Int64, value: UnsafeRawBufferPointer?) throws -> Bool {
        try checkStart(windowStart)
        advanceStreamTime(to: windowStart)
        guard windowStart >= earliestLiveWindowStart else { return false }
        codec.encode(key, windowStart: windowStart, into: &keyBuffer)
        keyBuffer.withUnsafeBytes { k in
            if let value { store.put(k, value) } else { store.delete(k) }
        }
        return true
    }

    /// Calls `body` with the value of `key`'s window starting at `windowStart`, or nil.
    public func get<R>(
        _ key: UnsafeRawBufferPointer, windowStart: Int64, _ body: (UnsafeRawBufferPointer?) throws -> R
    ) throws -> R {
        try checkStart(windowStart)
        guard windowStart >= earliestLiveWindowStart else { return try body(nil) }
        codec.encode(key, windowStart: windowStart, into: &keyBuffer)
        let encoded = keyBuffer
        return try encoded.withUnsafeBytes { try store.get($0, body) }
    }

    /// Visits `key`'s live windows with starts in `[from, to]`, by ascending start.
    /// `visit` gets the start and the borrowed value, and returns false to stop.
    public func fetch(
        _ key: UnsafeRawBufferPointer, from: Int64, to: Int64,
        _ visit: (Int64, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let (low, high) = liveRange(from: from, to: to) else { return }
        let expectedLength = key.count + 16
        for segment in codec.segment(of: low)...codec.segment(of: high) {
            let segmentLow = max(low, segment * segmentIntervalMs)
            let segmentHigh = min(high, segment &* segmentIntervalMs &+ (segmentIntervalMs - 1))
            codec.encode(key, windowStart: segmentLow, into: &keyBuffer)
            codec.encode(key, windowStart: segmentHigh, into: &upperBuffer)
            var keepGoing = true
            let lower = keyBuffer
            let upper = upperBuffer
            try lower.withUnsafeBytes { l in
                try upper.withUnsafeBytes { u in
                    try store.range(from: l, to: u) { k, v in
                        guard k.count == expectedLength else { return true }
                        keepGoing = try visit(WindowKeyCodec.readInt64(k, at: k.count - 8), v)
                        return keepGoing
                    }
                }
            }
            if !keepGoing { return }
        }
    }

    /// Visits every key's live windows with starts in `[from, to]`, ordered by segment, then
    /// by the stored bytes of key and start together (one key's windows by start; a key that
    /// is a byte-prefix of another may sort after it). `visit` gets the borrowed key, the start and the borrowed
    /// value, and returns false to stop.
    public func fetchAll(
        from: Int64, to: Int64, _ visit: (UnsafeRawBufferPointer, Int64, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        guard let (low, high) = liveRange(from: from, to: to) else { return }
        let lastSegment = codec.segment(of: high)
        let start = WindowKeyCodec.segmentPrefix(codec.segment(of: low))
        try start.withUnsafeBytes { s in
            try store.range(from: s, to: nil) { k, v in
                guard let (key, windowStart) = WindowKeyCodec.decode(k) else { return true }
                if WindowKeyCodec.readInt64(k, at: 0) > lastSegment { return false }
                guard windowStart >= low, windowStart <= high else { return true }
                return try visit(key, windowStart, v)
            }
        }
    }

    // MARK: - Commit and restore

    /// Calls `body` for each (key, window) written since the last commit, in stored order,
    /// with its changelog key (`[record key][window start: 8 bytes big-endian]`) and value,
    /// nil for a delete. See ``KeyValueStateStore/forEachDirtyEntry(_:)``.
    public func forEachDirtyEntry(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) rethrows {
        try store.forEachDirtyEntry { key, value in
            try body(UnsafeRawBufferPointer(rebasing: key[8...]), value)
        }
    }

    /// Applies a batch of changelog records (keys in changelog form) and advances the
    /// checkpoint, atomically. See ``KeyValueStateStore/restore(_:nextOffset:_:)``.
    public func restore(
        _ partition: ChangelogPartition, nextOffset: Int64, _ fill: (inout WindowRestoreBatch) throws -> Void
    ) throws {
        try restore(
            partition, nextOffset: nextOffset,
            make: { inner, buffer in
                WindowRestoreBatch(inner: inner, codec: codec, storeName: store.name, buffer: buffer)
            }, fill)
    }

    // MARK: - Private

    private func checkStart(_ windowStart: Int64) throws {
        guard windowStart >= 0 else {
            throw StateStoreError.invalidArgument(
                store: store.name,
                reason: "window start \(windowStart) is negative; window starts are epoch milliseconds")
        }
    }

    /// `[from, to]` clipped to live windows and to stream time, or nil when empty.
    private func liveRange(from: Int64, to: Int64) -> (Int64, Int64)? {
        guard observedStreamTime != .min else { return nil }
        let low = max(from, earliestLiveWindowStart)
        let high = min(to, observedStreamTime)
        return low <= high ? (low, high) : nil
    }
}

/// The changelog records of one window-store restore batch: keys in changelog form
/// (`[record key][window start: 8 bytes big-endian]`).
public struct WindowRestoreBatch: SegmentedRestoreBatch {
    var inner: StoreRestoreBatch
    let codec: WindowKeyCodec
    let storeName: String
    var buffer: [UInt8]
    /// The greatest window start restored in this batch.
    public private(set) var latestWindowStart: Int64 = .min

    /// Records added so far.
    public var count: Int { inner.count }
    var latestTime: Int64 { latestWindowStart }

    /// Adds a changelog record; `value` nil is a tombstone. Throws on a key too short to
    /// hold a window start.
    public mutating func apply(_ changelogKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) throws {
        guard let start = codec.encode(changelogKey: changelogKey, into: &buffer) else {
            throw StateStoreError.invalidArgument(
                store: storeName,
                reason: "a changelog key of \(changelogKey.count) bytes does not end with an 8-byte window start")
        }
        latestWindowStart = max(latestWindowStart, start)
        let encoded = buffer
        encoded.withUnsafeBytes { inner.apply($0, value) }
    }
}
