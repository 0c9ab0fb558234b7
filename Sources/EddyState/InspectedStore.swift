import Foundation

/// A persistent store opened read-only by ``StateInspector/open(_:)``, with its task
/// directory locked: its committed data and its checkpoint, exactly as a restarted worker
/// would find them. Nothing is written; RocksDB's info log goes to a scratch directory that
/// is removed on close, so even the store's `LOG` files stay as they were.
public final class InspectedStore {
    /// Where the store is and how its metadata declares it.
    public let store: StateInspector.StoreOnDisk
    /// The changelog offsets the data is complete to: partition → next offset to read.
    public let checkpoint: [ChangelogPartition: Int64]

    private var lock: DirectoryLock?
    private let database: RocksDBDatabase
    private let logDirectory: String

    init(store: StateInspector.StoreOnDisk, lock: DirectoryLock) throws {
        self.store = store
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-inspect-\(UUID().uuidString)")
            .path
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        } catch {
            throw StateStoreError.io(operation: "create directory", path: scratch, errno: errno)
        }
        do {
            database = try RocksDBDatabase(readOnlyAt: store.directory, infoLogDirectory: scratch)
            checkpoint = try database.readCheckpoint()
        } catch {
            try? FileManager.default.removeItem(atPath: scratch)
            throw error
        }
        self.lock = lock
        logDirectory = scratch
    }

    deinit { close() }

    /// Visits every committed entry in unsigned key order, with borrowed buffers.
    public func forEach(_ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        let iterator = database.makeIterator()
        iterator.seek(nil)
        while iterator.isValid {
            try iterator.withEntry(visit)
            iterator.next()
        }
        try iterator.checkError()
    }

    /// Visits every committed window of a window store, in stored order (by segment, then
    /// key and window start), with the borrowed record key, the window start and the
    /// borrowed value. Throws when an entry is too short to be a window-store key.
    public func forEachWindow(_ visit: (UnsafeRawBufferPointer, Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        try forEach { key, value in
            guard let (recordKey, windowStart) = WindowKeyCodec.decode(key) else {
                throw StateStoreError.invalidArgument(
                    store: store.name,
                    reason:
                        "an entry key of \(key.count) bytes in \(store.directory) is too short for a window store (segment, key, window start)"
                )
            }
            try visit(recordKey, windowStart, value)
        }
    }

    /// Visits every committed session of a session store, in stored order (by segment, then
    /// key length, key, session end and start), with the borrowed record key, the session's
    /// start and end and the borrowed value. Throws when an entry is not a session-store key.
    public func forEachSession(_ visit: (UnsafeRawBufferPointer, Int64, Int64, UnsafeRawBufferPointer) throws -> Void)
        throws
    {
        try forEach { key, value in
            guard let (recordKey, start, end) = SessionKeyCodec.decode(key) else {
                throw StateStoreError.invalidArgument(
                    store: store.name,
                    reason:
                        "an entry key of \(key.count) bytes in \(store.directory) is not a session-store key (segment, key length, key, end, start)"
                )
            }
            try visit(recordKey, start, end, value)
        }
    }

    /// Calls `body` with the committed value of `key` (borrowed for the call), or nil.
    public func get<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        try database.get(key, body)
    }

    /// Closes the store and releases the task directory lock; further calls do nothing.
    public func close() {
        guard let lock else { return }
        database.close()
        lock.release()
        self.lock = nil
        try? FileManager.default.removeItem(atPath: logDirectory)
    }
}
