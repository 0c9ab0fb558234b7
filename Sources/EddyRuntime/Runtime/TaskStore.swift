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
    let store: KeyValueStore
    /// The changelog partition of this task's instance, or nil when the store is not logged.
    let changelog: ChangelogPartition?
    /// A storage error met inside a plugin call (which cannot throw); the task raises it.
    private(set) var failure: (any Error)?

    init(name: String, store: KeyValueStore, changelog: ChangelogPartition?) {
        self.name = name
        self.store = store
        self.changelog = changelog
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
