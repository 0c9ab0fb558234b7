import CRocksDB
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
    private var db: OpaquePointer?
    private let dataFamily: OpaquePointer
    private let checkpointFamily: OpaquePointer
    private let readOptions: OpaquePointer
    private let logDirectory: String

    init(store: StateInspector.StoreOnDisk, lock: DirectoryLock) throws {
        self.store = store
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-inspect-\(UUID().uuidString)").path
        do {
            try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        } catch {
            throw StateStoreError.io(operation: "create directory", path: scratch, errno: errno)
        }
        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_db_log_dir(options, scratch)
        rocksdb_options_set_info_log_level(options, 4)
        var handles: [OpaquePointer?] = [nil, nil]
        var error: UnsafeMutablePointer<CChar>?
        let opened: OpaquePointer? = "default".withCString { n0 in
            RocksDBDatabase.checkpointFamilyName.withCString { n1 in
                var names: [UnsafePointer<CChar>?] = [n0, n1]
                var familyOptions: [OpaquePointer?] = [options, options]
                return rocksdb_open_for_read_only_column_families(
                    options, store.directory, 2, &names, &familyOptions, &handles, 0, &error)
            }
        }
        if let message = RocksDBDatabase.take(error) {
            try? FileManager.default.removeItem(atPath: scratch)
            throw StateStoreError.rocksDB(operation: "open read-only", directory: store.directory, message: message)
        }
        guard let opened, let data = handles[0], let checkpoint = handles[1] else {
            try? FileManager.default.removeItem(atPath: scratch)
            throw StateStoreError.rocksDB(operation: "open read-only", directory: store.directory, message: "no handle returned")
        }
        let readOptions = rocksdb_readoptions_create()!
        do {
            self.checkpoint = try Self.readCheckpoint(opened, checkpoint, readOptions, directory: store.directory)
        } catch {
            rocksdb_column_family_handle_destroy(data)
            rocksdb_column_family_handle_destroy(checkpoint)
            rocksdb_readoptions_destroy(readOptions)
            rocksdb_close(opened)
            try? FileManager.default.removeItem(atPath: scratch)
            throw error
        }
        self.lock = lock
        self.readOptions = readOptions
        db = opened
        dataFamily = data
        checkpointFamily = checkpoint
        logDirectory = scratch
    }

    deinit { close() }

    /// Visits every committed entry in unsigned key order, with borrowed buffers.
    public func forEach(_ visit: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> Void) throws {
        let iterator = RocksDBIterator(rocksdb_create_iterator_cf(db, readOptions, dataFamily), path: store.directory)
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
                    reason: "an entry key of \(key.count) bytes in \(store.directory) is too short for a window store (segment, key, window start)")
            }
            try visit(recordKey, windowStart, value)
        }
    }

    /// Visits every committed session of a session store, in stored order (by segment, then
    /// key length, key, session end and start), with the borrowed record key, the session's
    /// start and end and the borrowed value. Throws when an entry is not a session-store key.
    public func forEachSession(_ visit: (UnsafeRawBufferPointer, Int64, Int64, UnsafeRawBufferPointer) throws -> Void) throws {
        try forEach { key, value in
            guard let (recordKey, start, end) = SessionKeyCodec.decode(key) else {
                throw StateStoreError.invalidArgument(
                    store: store.name,
                    reason: "an entry key of \(key.count) bytes in \(store.directory) is not a session-store key (segment, key length, key, end, start)")
            }
            try visit(recordKey, start, end, value)
        }
    }

    /// Calls `body` with the committed value of `key` (borrowed for the call), or nil.
    public func get<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        var error: UnsafeMutablePointer<CChar>?
        let slice = rocksdb_get_pinned_cf(
            db, readOptions, dataFamily, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count, &error)
        if let message = RocksDBDatabase.take(error) {
            throw StateStoreError.rocksDB(operation: "get", directory: store.directory, message: message)
        }
        guard let slice else { return try body(nil) }
        defer { rocksdb_pinnableslice_destroy(slice) }
        var length = 0
        let value = rocksdb_pinnableslice_value(slice, &length)
        return try body(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// Closes the store and releases the task directory lock; further calls do nothing.
    public func close() {
        guard let db else { return }
        rocksdb_column_family_handle_destroy(dataFamily)
        rocksdb_column_family_handle_destroy(checkpointFamily)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_close(db)
        self.db = nil
        lock?.release()
        lock = nil
        try? FileManager.default.removeItem(atPath: logDirectory)
    }

    // MARK: - Private

    private static func readCheckpoint(
        _ db: OpaquePointer, _ family: OpaquePointer, _ readOptions: OpaquePointer, directory: String
    ) throws -> [ChangelogPartition: Int64] {
        let iterator = RocksDBIterator(rocksdb_create_iterator_cf(db, readOptions, family), path: directory)
        iterator.seek(nil)
        var checkpoint: [ChangelogPartition: Int64] = [:]
        while iterator.isValid {
            let (partition, offset) = try iterator.withEntry { key, value in
                try CheckpointCodec.decode(key: key, value: value, directory: directory)
            }
            checkpoint[partition] = offset
            iterator.next()
        }
        try iterator.checkError()
        return checkpoint
    }
}
