import EddyHost
import EddyState

/// One store of one task as processors see it through the ABI, backed by an `EddyState`
/// store (RocksDB, or memory when `persistent: false`) with its write-back record cache.
///
/// Writes stay in the cache until the thread commits: their latest value per key goes to
/// the changelog topic inside the transaction, and only after the transaction commits are
/// they written to RocksDB together with the changelog offset that covers them. So the
/// store on disk never holds uncommitted data, and an abort just drops the cache.
final class TaskStore: KeyValueStorage {
    let name: String
    private let store: KeyValueStore
    /// The changelog partition of this task's instance, or nil when the store is not logged.
    let changelog: ChangelogPartition?
    /// A storage error met inside a plugin call (which cannot throw); the task raises it.
    private(set) var failure: (any Error)?

    init(name: String, store: KeyValueStore, changelog: ChangelogPartition?) {
        self.name = name
        self.store = store
        self.changelog = changelog
    }

    /// Opens the store `spec` describes in a task's locked directory; `partition` is the
    /// task's, which its changelog partition matches (changelogs are co-partitioned).
    static func open(
        _ spec: StoreLayout.Store, in directory: TaskStateDirectory, partition: Int32, applicationId: String, cacheBudget: RecordCacheBudget
    ) throws -> TaskStore {
        TaskStore(
            name: spec.name,
            store: try directory.openKeyValueStore(
                EddyState.StoreSpec(name: spec.name, keySerde: spec.keySerde, valueSerde: spec.valueSerde, persistent: spec.persistent),
                cacheBudget: cacheBudget),
            changelog: spec.logged ? ChangelogPartition(topic: Topology.changelogTopic(applicationId, spec.name), partition: partition) : nil)
    }

    /// Calls `body` with the value of `key` (the cache first, then the disk), or nil.
    func read<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        try store.get(key, body)
    }

    // MARK: - KeyValueStorage (the ABI's view)

    func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> Void) {
        do {
            try store.get(key, body)
        } catch {
            fail(error)
            body(nil)
        }
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) { store.put(key, value) }

    func delete(_ key: UnsafeRawBufferPointer) { store.delete(key) }

    func range(from: [UInt8]?, to: [UInt8]?) -> any StoreIterator {
        collect { visit in
            try withOptional(from) { f in try withOptional(to) { t in try store.range(from: f, to: t, visit) } }
        }
    }

    func prefixScan(_ prefix: [UInt8]) -> any StoreIterator {
        collect { visit in try prefix.withUnsafeBytes { try store.prefixScan($0, visit) } }
    }

    // MARK: - Commit and restore

    /// The checkpoint: the changelog offset up to which the store on disk is complete.
    var checkpoint: Int64? { changelog.flatMap { store.checkpoint[$0] } }

    /// The number of keys written since the last commit.
    var dirtyEntryCount: Int { store.dirtyEntryCount }

    /// Whether the thread's record-cache budget is full, so the thread should commit now.
    var needsCommit: Bool { store.needsCommit }

    /// Calls `body` with each update since the last commit, as its changelog record (key,
    /// value or nil for a delete).
    func forEachChangelogRecord(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) throws {
        try store.forEachDirtyEntry(body)
    }

    /// Stages changelog records read during restoration, up to offset `nextOffset`.
    func restore(_ records: RestoreBuffer, nextOffset: Int64) throws {
        guard let changelog else { return }
        try store.restore(changelog, nextOffset: nextOffset) { batch in records.forEach { batch.apply($0, $1) } }
    }

    /// Writes the staged restored records with their checkpoint.
    func completeRestore() throws { try store.completeRestore() }

    /// Drops the uncommitted writes and closes the store; the disk keeps its checkpointed state.
    func close() {
        store.discardUncommitted()
        store.close()
    }

    /// Writes the cached updates and, when logged, the changelog offset after them.
    func commit(changelogEnd: Int64?) throws {
        if let changelog, let changelogEnd {
            try store.commit(checkpoint: [changelog: changelogEnd])
        } else {
            try store.commit(checkpoint: [:])
        }
    }

    func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

    /// Runs a scan into a snapshot iterator (a plugin may write while it iterates).
    private func collect(_ scan: ((UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Bool) throws -> Void) -> any StoreIterator {
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
