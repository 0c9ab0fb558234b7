import EddyEngine
import EddyHost
import EddyState

/// One store of one task as processors see it through the ABI, backed by an `EddyState`
/// store (RocksDB, or memory when `persistent: false`) with its write-back record cache:
/// a key-value store, a window store (see `TaskStore+WindowStorage.swift`) or a session
/// store (see `TaskStore+SessionStorage.swift`).
///
/// Writes stay in the cache until the thread commits: their latest value per key goes to
/// the changelog topic inside the transaction, and only after the transaction commits are
/// they written to RocksDB together with the changelog offset that covers them. So the
/// store on disk never holds uncommitted data, and an abort just drops the cache.
final class TaskStore: KeyValueStorage {
    /// The `EddyState` store behind this one.
    enum Storage {
        case keyValue(KeyValueStateStore)
        /// A window store of windows `sizeMs` long.
        case window(EddyState.WindowStateStore, sizeMs: Int64)
        case session(EddyState.SessionStateStore)

        /// The kind's name in messages.
        var kindName: String {
            switch self {
            case .keyValue: "key-value"
            case .window: "window"
            case .session: "session"
            }
        }
    }

    let name: String
    let storage: Storage
    /// The changelog partition of this task's instance, or nil when the store is not logged:
    /// for a source-topic store, the task's partition of that source topic.
    let changelog: ChangelogPartition?
    /// Whether the store writes its changelog; false for a source-topic store, whose
    /// changelog is its source topic and whose checkpoint is a source offset.
    let writesChangelog: Bool
    /// Whether restored records get their timestamp put before their value: a table's store in
    /// the timestamped layout whose changelog is its source topic (the records hold the value
    /// alone); a changelog the store writes holds the stored bytes, timestamp included.
    let restoresTimestamps: Bool
    /// A storage error met inside a plugin call (which cannot throw); the task raises it.
    private(set) var failure: (any Error)?
    /// Operation counts and times, at `metrics.recording.level: DEBUG` only.
    var operationMetrics: StoreOperationMetrics?
    /// The owning task's stream time (ms, -1 before the first record): window and session
    /// stores keep windows and sessions by it. Set once by the task that takes the store.
    var streamTime: () -> Int64 = { -1 }

    init(
        name: String, storage: Storage, changelog: ChangelogPartition?, writesChangelog: Bool = true,
        restoresTimestamps: Bool = false
    ) {
        self.name = name
        self.storage = storage
        self.changelog = changelog
        self.writesChangelog = writesChangelog
        self.restoresTimestamps = restoresTimestamps
    }

    /// Opens the store `spec` describes in a task's locked directory; `partition` is the
    /// task's, which its changelog partition matches (changelogs are co-partitioned).
    static func open(
        _ spec: StoreLayout.Store, in directory: TaskStateDirectory, partition: Int32, applicationId: String,
        cacheBudget: RecordCacheBudget
    ) throws -> TaskStore {
        let storage: Storage
        switch spec.kind {
        case .keyValue:
            storage = .keyValue(
                try directory.openKeyValueStore(
                    EddyState.StoreSpec(
                        name: spec.name, keySerde: spec.keySerde, valueSerde: spec.valueSerde,
                        persistent: spec.persistent),
                    cacheBudget: cacheBudget))
        case .window(let sizeMs, let retentionMs, let segmentIntervalMs):
            storage = .window(
                try directory.openWindowStore(
                    EddyState.StoreSpec(
                        name: spec.name, kind: .window(retentionMs: retentionMs, segmentIntervalMs: segmentIntervalMs),
                        keySerde: spec.keySerde, valueSerde: spec.valueSerde, persistent: spec.persistent,
                        windowSizeMs: sizeMs),
                    cacheBudget: cacheBudget),
                sizeMs: sizeMs)
        case .session(let retentionMs, let segmentIntervalMs):
            storage = .session(
                try directory.openSessionStore(
                    EddyState.StoreSpec(
                        name: spec.name, kind: .session(retentionMs: retentionMs, segmentIntervalMs: segmentIntervalMs),
                        keySerde: spec.keySerde, valueSerde: spec.valueSerde, persistent: spec.persistent),
                    cacheBudget: cacheBudget))
        }
        if let sourceTopic = spec.sourceTopic {
            return TaskStore(
                name: spec.name, storage: storage,
                changelog: ChangelogPartition(topic: sourceTopic, partition: partition), writesChangelog: false,
                restoresTimestamps: Topology.isTimestamped(valueSerde: spec.valueSerde))
        }
        return TaskStore(
            name: spec.name, storage: storage,
            changelog: spec.logged
                ? ChangelogPartition(topic: Topology.changelogTopic(applicationId, spec.name), partition: partition)
                : nil)
    }

    /// Calls `body` with the value of `key` (the cache first, then the disk), or nil.
    func read<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        try keyValueStore("get").get(key, body)
    }

    // MARK: - KeyValueStorage (the ABI's view)

    func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> Void) {
        measured(.get) {
            do {
                try keyValueStore("get").get(key, body)
            } catch {
                fail(error)
                body(nil)
            }
        }
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        guard let store = keyValueStoreOrFail("put") else { return }
        measured(.put) { store.put(key, value) }
    }

    func delete(_ key: UnsafeRawBufferPointer) {
        guard let store = keyValueStoreOrFail("delete") else { return }
        measured(.delete) { store.delete(key) }
    }

    func range(from: [UInt8]?, to: [UInt8]?) -> any StoreIterator {
        measured(.range) {
            collect { visit in
                let store = try keyValueStore("range")
                try withOptional(from) { f in try withOptional(to) { t in try store.range(from: f, to: t, visit) } }
            }
        }
    }

    func prefixScan(_ prefix: [UInt8]) -> any StoreIterator {
        measured(.prefixScan) {
            collect { visit in
                let store = try keyValueStore("prefix scan")
                try prefix.withUnsafeBytes { try store.prefixScan($0, visit) }
            }
        }
    }

    // MARK: - Commit and restore

    /// The checkpoint: the changelog offset up to which the store on disk is complete.
    var checkpoint: Int64? { changelog.flatMap { lifecycle.checkpoint[$0] } }

    /// The number of keys (or windows) written since the last commit.
    var dirtyEntryCount: Int { lifecycle.dirtyEntryCount }

    /// Whether the thread's record-cache budget is full, so the thread should commit now.
    var needsCommit: Bool { lifecycle.needsCommit }

    /// Calls `body` with each update since the last commit, as its changelog record (key,
    /// value or nil for a delete). A window store's changelog key is the record key followed
    /// by the window start (8 bytes, big-endian); a session store's, as Kafka Streams', the
    /// record key followed by the session's end and start (8 bytes each, big-endian).
    func forEachChangelogRecord(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) throws {
        try lifecycle.forEachDirtyEntry(body)
    }

    /// Stages changelog records read during restoration, up to offset `nextOffset`.
    func restore(_ records: RestoreBuffer, nextOffset: Int64) throws {
        guard let changelog else { return }
        switch storage {
        case .keyValue(let store):
            try store.restore(changelog, nextOffset: nextOffset) { batch in records.forEach { batch.apply($0, $1) } }
        case .window(let store, _):
            try store.restore(changelog, nextOffset: nextOffset) { batch in
                try Self.apply(records, to: &batch) { try $0.apply($1, $2) }
            }
        case .session(let store):
            try store.restore(changelog, nextOffset: nextOffset) { batch in
                try Self.apply(records, to: &batch) { try $0.apply($1, $2) }
            }
        }
    }

    /// Writes the staged restored records with their checkpoint.
    func completeRestore() throws { try lifecycle.completeRestore() }

    /// Drops the uncommitted writes and closes the store; the disk keeps its checkpointed state.
    func close() {
        lifecycle.discardUncommitted()
        lifecycle.close()
    }

    /// Writes the cached updates and, when logged, the changelog offset after them. A window
    /// or session store first catches up with the task's stream time, so windows and
    /// sessions that fell out of retention leave the disk in the same write batch.
    func commit(changelogEnd: Int64?) throws {
        var offsets: [ChangelogPartition: Int64] = [:]
        if let changelog, let changelogEnd { offsets[changelog] = changelogEnd }
        switch storage {
        case .keyValue: break
        case .window(let store, _): store.advanceStreamTime(to: streamTime())
        case .session(let store): store.advanceStreamTime(to: streamTime())
        }
        try lifecycle.commit(checkpoint: offsets)
    }

    func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    /// The commit and restore lifecycle, which both kinds of store share.
    private var lifecycle: any StoreLifecycle {
        switch storage {
        case .keyValue(let store): store
        case .window(let store, _): store
        case .session(let store): store
        }
    }

    /// Applies restored records to a window or session batch, whose `apply` throws on a
    /// malformed changelog key; the first such error stops the batch.
    private static func apply<Batch>(
        _ records: RestoreBuffer, to batch: inout Batch,
        _ apply: (inout Batch, UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void
    ) throws {
        var malformed: (any Error)?
        records.forEach { key, value in
            guard malformed == nil else { return }
            do { try apply(&batch, key, value) } catch { malformed = error }
        }
        if let malformed { throw malformed }
    }

    /// The key-value store, or an error saying this is a window store.
    private func keyValueStore(_ operation: String) throws -> KeyValueStateStore {
        switch storage {
        case .keyValue(let store): return store
        case .window, .session:
            throw StoreKindMismatch(store: name, operation: operation, kind: storage.kindName, expected: "key-value")
        }
    }

    private func keyValueStoreOrFail(_ operation: String) -> KeyValueStateStore? {
        do {
            return try keyValueStore(operation)
        } catch {
            fail(error)
            return nil
        }
    }

    /// Runs a scan into a snapshot iterator (a plugin may write while it iterates).
    private func collect(_ scan: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws -> Void)
        -> any StoreIterator
    {
        var entries: [StoreEntry] = []
        do {
            try scan { key, value in
                entries.append(StoreEntry(key: Array(key), value: Array(value)))
                return true
            }
        } catch {
            fail(error)
        }
        return SnapshotIterator(entries)
    }
}

/// Calls `body` with the bytes of `array`, or nil.
func withOptional<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBytes { try body($0) }
}
