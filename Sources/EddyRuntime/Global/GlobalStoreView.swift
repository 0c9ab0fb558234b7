import EddyHost
import EddyState

/// A global store as one task sees it (Kafka Streams wraps a global store read-only for
/// processors): gets and scans read the worker's ``GlobalKeyValueStateStore``, which the
/// global-store thread keeps current; a put or delete is an error that fails the task,
/// since only the table's topic may change a global table.
///
/// One view per task, used only by the stream thread that owns the task.
final class GlobalStoreView: KeyValueStorage {
    let store: GlobalKeyValueStateStore
    let taskId: String
    /// A failure met inside a plugin call (which cannot throw); the task raises it.
    private var failure: (any Error)?

    init(store: GlobalKeyValueStateStore, taskId: String) {
        self.store = store
        self.taskId = taskId
    }

    /// The failure since the last call, which the task throws.
    func takeFailure() -> (any Error)? {
        defer { failure = nil }
        return failure
    }

    func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> Void) {
        do {
            try store.get(key, body)
        } catch {
            fail(error)
            body(nil)
        }
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) { refuseWrite("put") }

    func delete(_ key: UnsafeRawBufferPointer) { refuseWrite("delete") }

    func range(from: [UInt8]?, to: [UInt8]?) -> any StoreIterator {
        collect { visit in
            try withOptional(from) { f in try withOptional(to) { t in try store.range(from: f, to: t, visit) } }
        }
    }

    func prefixScan(_ prefix: [UInt8]) -> any StoreIterator {
        collect { visit in try prefix.withUnsafeBytes { try store.prefixScan($0, visit) } }
    }

    // MARK: - Private

    private func refuseWrite(_ operation: String) {
        fail(
            ProcessingFailed(
                description:
                    "task \(taskId) tried to \(operation) in global store \(store.name), which is read-only: only records of its topic change a global table — produce to the topic instead"
            ))
    }

    private func fail(_ error: any Error) {
        if failure == nil { failure = error }
    }

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
