/// A key-value state store of one task: RocksDB on disk or an in-memory map, behind a
/// write-back record cache.
///
/// Keys and values are bytes, ordered by unsigned byte comparison; the runtime serializes
/// with the store's declared serdes. Reads see uncommitted writes (the cache) first, then
/// the committed data. Writes touch only the cache until the runtime commits:
///
/// 1. while processing: ``get(_:_:)``, ``put(_:_:)``, ``delete(_:)``, scans; watch
///    ``needsCommit`` and commit early when the cache budget is full;
/// 2. at commit: produce ``forEachDirtyEntry(_:)`` to the changelog inside the transaction;
///    after the transaction commits, call ``commit(checkpoint:)``, which writes those
///    entries and the changelog offsets they reach in one atomic RocksDB write batch; after
///    an abort, call ``discardUncommitted()``;
/// 3. on start: read ``checkpoint``, replay the changelog from there with
///    ``restore(_:nextOffset:_:)``, then call ``completeRestore()``.
///
/// Not thread-safe: a store belongs to the stream thread that owns its task. Calls block on
/// disk I/O, so they belong on that dedicated thread, never on Swift's cooperative pool.
public final class KeyValueStateStore {
    /// The store's name, as declared in the topology.
    public let name: String
    /// The store's directory, or nil for an in-memory store.
    public let directory: String?
    /// The changelog offsets the store's data reaches: partition → next offset to read.
    /// Empty for a new store, and always for an in-memory store when opened. Restore batches
    /// count as soon as they are applied; on disk they count once written with their
    /// checkpoint (see ``completeRestore()``), so after a crash this may be lower again.
    public private(set) var checkpoint: [ChangelogPartition: Int64]

    /// No caller code runs inside an access to the cache: a get copies the entry out before
    /// calling back, and dirty iteration and scans walk snapshots.
    var cache: RecordCache
    let backend: StoreBackend
    private var staging: RestoreStaging?
    private var pendingRangeDeletions: [(from: [UInt8], to: [UInt8])] = []
    private var isClosed = false
    /// Set inside ``readingCommitted(_:)``: reads skip the cache (see there).
    var readsCommittedOnly = false

    init(name: String, directory: String?, backend: StoreBackend, cacheBudget: RecordCacheBudget) throws {
        self.name = name
        self.directory = directory
        self.backend = backend
        cache = RecordCache(budget: cacheBudget)
        switch backend {
        case .rocksDB(let db):
            checkpoint = try db.readCheckpoint()
        case .inMemory:
            checkpoint = [:]
        }
    }

    deinit {
        cache.removeAll()
    }

    /// Whether the data survives the process (RocksDB) or not (in-memory).
    public var isPersistent: Bool {
        if case .rocksDB = backend { return true }
        return false
    }

    // MARK: - Reads and writes

    /// Calls `body` with the value of `key`, borrowed for the call, or nil when there is none.
    public func get<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        try ensureOpen()
        if staging != nil { try completeRestore() }
        if !readsCommittedOnly, let entry = cache.entry(key) {
            return try entry.withEntry { _, value in try body(value) }
        }
        switch backend {
        case .rocksDB(let db): return try db.get(key, body)
        case .inMemory(let memory):
            let (p, exists) = memory.data.lowerBound(key)
            guard exists else { return try body(nil) }
            return try memory.data.value(at: p).withUnsafeBytes { try body($0) }
        }
    }

    /// Sets `key` to `value` (in the cache until the next commit).
    public func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        cache.write(key, value)
    }

    /// Deletes `key` (a tombstone in the cache until the next commit).
    public func delete(_ key: UnsafeRawBufferPointer) {
        cache.write(key, nil)
    }

    /// RocksDB's estimate of the number of keys plus the uncommitted new keys; exact for an
    /// in-memory store without uncommitted writes.
    public func approximateCount() throws -> Int {
        try completeRestore()
        let committed: Int
        switch backend {
        case .rocksDB(let db): committed = db.estimatedKeyCount()
        case .inMemory(let memory): committed = memory.data.count
        }
        var delta = 0
        cache.forEachDirty { _, value in delta += value == nil ? -1 : 1 }
        return max(0, committed + delta)
    }

    // MARK: - Lifecycle

    /// Whether the shared record-cache budget is full: the runtime should commit now.
    public var needsCommit: Bool { cache.budget.isFull }

    /// Closes the store, dropping uncommitted writes. Committed data, restored records and
    /// the checkpoint stay.
    public func close() {
        guard !isClosed else { return }
        try? completeRestore()
        isClosed = true
        cache.removeAll()
        staging = nil
        if case .rocksDB(let db) = backend { db.close() }
    }

    // MARK: - Internal

    /// Queues the deletion of every committed key in `[from, to)` for the next commit, and
    /// drops cached writes in that range now (used by window retention).
    func deleteRangeAtCommit(from: [UInt8], to: [UInt8]) {
        from.withUnsafeBytes { f in to.withUnsafeBytes { t in cache.removeAll(from: f, to: t) } }
        pendingRangeDeletions.append((from, to))
    }

    /// The restore staging area when it holds something to write.
    func pendingRestore() -> RestoreStaging? {
        guard let staging, !staging.isEmpty else { return nil }
        return staging
    }

    /// Frees the restore staging area once restoration is complete.
    func releaseRestoreStaging() {
        staging = nil
    }

    /// The reusable restore staging area of a persistent store, created on the first restore.
    func restoreStaging(for db: RocksDBDatabase) -> RestoreStaging {
        if let staging { return staging }
        let created = RestoreStaging(batch: RocksDBWriteBatch(for: db))
        staging = created
        return created
    }

    func takePendingRangeDeletions() -> [(from: [UInt8], to: [UInt8])] {
        defer { pendingRangeDeletions.removeAll(keepingCapacity: true) }
        return pendingRangeDeletions
    }

    func setCheckpoint(_ partition: ChangelogPartition, _ offset: Int64) {
        checkpoint[partition] = offset
    }

    func ensureOpen() throws {
        if isClosed { throw StateStoreError.misuse(store: name, reason: "the store is closed") }
    }
}

extension KeyValueStateStore {
    /// The greatest committed key, or nil when no data is committed.
    func lastCommittedKey() throws -> [UInt8]? {
        try completeRestore()
        switch backend {
        case .rocksDB(let db): return try db.lastKey()
        case .inMemory(let memory): return memory.data.chunks.last?.last?.key
        }
    }
}
