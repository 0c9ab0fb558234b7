import Glibc

/// The store of a global table (Kafka Streams' global state store): one per worker and
/// global table, holding every partition of the table's topic. One writer, the worker's
/// global-store thread, applies what it reads from the topic; every stream thread reads at
/// the same time, without a record cache and without transactions: the topic is the store's
/// log, so nothing is ever changelogged.
///
/// On disk (RocksDB) each batch of records is written together with the offsets it reaches
/// (the checkpoint, one entry per topic partition) in one atomic write batch, so a restart
/// reads only the tail of the topic. RocksDB itself lets readers and the writer run
/// concurrently. In memory (`persistent: false`) the map sits behind a readers–writer lock:
/// a get takes the shared lock for a lookup (one uncontended atomic operation on the
/// stream thread's hot path), the writer takes the exclusive lock once per batch, and a
/// scan copies the map under the shared lock (copy-on-write: only the chunks the writer
/// changes later are copied). An in-memory store starts empty and is read from the
/// beginning of the topic at every start.
public final class GlobalKeyValueStateStore: @unchecked Sendable {
    /// The store's name, as declared in the topology.
    public let name: String
    /// The store's directory, or nil in memory.
    public let directory: String?
    /// The topic offsets the data reaches: partition → next offset to read. Read at open;
    /// advanced by ``apply(_:checkpoint:)`` (on the writer's thread only).
    public private(set) var checkpoint: [ChangelogPartition: Int64]

    private enum Backend {
        case rocksDB(RocksDBDatabase)
        case inMemory(InMemoryDatabase, UnsafeMutablePointer<pthread_rwlock_t>)
    }

    private let backend: Backend

    /// Opens the global store `spec` describes: RocksDB at `directory` (created when new,
    /// its metadata checked as a task store's is) when `spec.persistent`, else a map in memory.
    public init(_ spec: StoreSpec, directory: String, environment: RocksDBEnvironment) throws {
        try StateDirectory.checkName(spec.name, what: "store name")
        name = spec.name
        guard spec.persistent else {
            self.directory = nil
            let lock = UnsafeMutablePointer<pthread_rwlock_t>.allocate(capacity: 1)
            pthread_rwlock_init(lock, nil)
            backend = .inMemory(InMemoryDatabase(), lock)
            checkpoint = [:]
            return
        }
        self.directory = directory
        try StoreMetadata.prepare(directory: directory, spec: spec)
        let database = try RocksDBDatabase(path: directory, environment: environment)
        backend = .rocksDB(database)
        checkpoint = try database.readCheckpoint()
    }

    deinit {
        close()
        if case .inMemory(_, let lock) = backend {
            pthread_rwlock_destroy(lock)
            lock.deallocate()
        }
    }

    /// Whether the data survives the process (RocksDB) or not (memory).
    public var isPersistent: Bool {
        if case .rocksDB = backend { return true }
        return false
    }

    // MARK: - Reads (any thread)

    /// Calls `body` with the value of `key`, borrowed for the call, or nil when there is none.
    public func get<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        switch backend {
        case .rocksDB(let db):
            return try db.get(key, body)
        case .inMemory(let memory, let lock):
            pthread_rwlock_rdlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            let (p, exists) = memory.data.lowerBound(key)
            guard exists else { return try body(nil) }
            return try memory.data.value(at: p).withUnsafeBytes { try body($0) }
        }
    }

    /// Visits the entries with keys in `[from, to]` (nil: unbounded) in unsigned byte order,
    /// as of when the scan started; `visit` returns false to stop.
    public func range(
        from: UnsafeRawBufferPointer?, to: UnsafeRawBufferPointer?,
        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        if let from, let to, compareBytes(from, to) > 0 { return }
        try scan(from: from, bound: to.map { .through($0) } ?? .unbounded, visit)
    }

    /// Visits the entries whose keys start with `prefix`, in unsigned byte order.
    public func prefixScan(
        _ prefix: UnsafeRawBufferPointer, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        try scan(from: prefix, bound: .prefix(prefix), visit)
    }

    /// The number of keys: RocksDB's estimate, exact in memory.
    public func approximateCount() -> Int {
        switch backend {
        case .rocksDB(let db): return db.estimatedKeyCount()
        case .inMemory(let memory, let lock):
            pthread_rwlock_rdlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            return memory.data.count
        }
    }

    // MARK: - Writes (the global-store thread only)

    /// One record read from the topic: a value to put, or nil (a tombstone) to delete.
    public typealias Update = (key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?)

    /// Applies `updates` in order and records `checkpoint` (partition → next offset to read)
    /// with them, atomically on disk. `updates` calls its argument once per record.
    public func apply(_ updates: ((Update) -> Void) -> Void, checkpoint offsets: [ChangelogPartition: Int64]) throws {
        switch backend {
        case .rocksDB(let db):
            let batch = RocksDBWriteBatch(for: db)
            updates { update in
                if let value = update.value { batch.put(update.key, value) } else { batch.delete(update.key) }
            }
            for (partition, offset) in offsets { batch.putCheckpoint(partition, nextOffset: offset) }
            try db.write(batch, logged: true)
        case .inMemory(let memory, let lock):
            pthread_rwlock_wrlock(lock)
            defer { pthread_rwlock_unlock(lock) }
            updates { update in
                if let value = update.value { memory.put(update.key, value) } else { memory.delete(update.key) }
            }
        }
        checkpoint.merge(offsets) { $1 }
    }

    /// Closes the store; call it once no thread reads it any more. Further calls do nothing.
    public func close() {
        if case .rocksDB(let db) = backend { db.close() }
    }

    // MARK: - Private

    private func scan(
        from: UnsafeRawBufferPointer?, bound: ScanBound,
        _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        switch backend {
        case .rocksDB(let db):
            let iterator = db.makeIterator()
            iterator.seek(from)
            try walk(iterator, bound: bound, visit)
        case .inMemory(let memory, let lock):
            pthread_rwlock_rdlock(lock)
            let snapshot = memory.data
            pthread_rwlock_unlock(lock)
            try walk(InMemoryCursor(snapshot, from: from), bound: bound, visit)
        }
    }

    private func walk<Cursor: StoreCursor>(
        _ cursor: Cursor, bound: ScanBound, _ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool
    ) throws {
        var cursor = cursor
        while cursor.isValid, cursor.withKey({ bound.admits($0) }) {
            guard try cursor.withEntry(visit) else { return }
            cursor.next()
        }
        try cursor.checkError()
    }
}
