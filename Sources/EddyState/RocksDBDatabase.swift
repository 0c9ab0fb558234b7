import CRocksDB

/// One RocksDB instance: the C-facing layer under a persistent store.
///
/// Two column families: `default` holds the store's data, keys exactly as the store sees
/// them (no prefix to strip on the hot path); `eddy.checkpoint` holds the checkpoint, one
/// entry per changelog partition. Both are written in the same write batch, which RocksDB
/// applies atomically, so the checkpoint never runs ahead of (or behind) the data.
///
/// Commits go through the write-ahead log. Restore batches skip it (the changelog is their
/// log; skipping it saves writing every restored byte twice): after a crash those batches
/// are lost together with the checkpoint they carry, since memtables are flushed
/// atomically across both column families (`atomic_flush`). The one unsafe mix, a logged
/// write on top of unlogged ones still in memory, is prevented by flushing first: a
/// recovery would replay the logged checkpoint over data that is gone.
final class RocksDBDatabase {
    static let checkpointFamilyName = "eddy.checkpoint"

    let path: String
    /// The environment whose budget the database shares; nil when opened read-only.
    let environment: RocksDBEnvironment?
    private(set) var db: OpaquePointer?
    let dataFamily: OpaquePointer
    let checkpointFamily: OpaquePointer
    private let readOptions: OpaquePointer
    private let writeOptions: OpaquePointer
    private let unloggedWriteOptions: OpaquePointer
    /// Whether unlogged writes may still be only in memtables.
    private var hasUnloggedWrites = false

    /// The handles the shared environment keeps while the database is open.
    var handle: RocksDBEnvironment.DatabaseHandle {
        RocksDBEnvironment.DatabaseHandle(db: db!, checkpointFamily: checkpointFamily)
    }

    /// Opens (creating when missing) the database at `path` for reading and writing.
    convenience init(path: String, environment: RocksDBEnvironment) throws {
        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_create_if_missing(options, 1)
        rocksdb_options_set_create_missing_column_families(options, 1)
        rocksdb_options_set_block_based_table_factory(options, environment.tableOptions)
        rocksdb_options_set_write_buffer_size(options, environment.writeBufferSizeForNewStore())
        rocksdb_options_set_max_write_buffer_number(options, RocksDBEnvironment.maxWriteBufferNumber)
        rocksdb_options_set_level_compaction_dynamic_level_bytes(options, 1)
        rocksdb_options_set_max_background_jobs(options, 2)
        rocksdb_options_set_max_open_files(options, 256)
        rocksdb_options_set_info_log_level(options, 2)
        rocksdb_options_set_keep_log_file_num(options, 2)
        rocksdb_options_set_max_log_file_size(options, 1024 * 1024)
        rocksdb_options_set_atomic_flush(options, 1)
        // A whole-key bloom filter in each memtable: a get of an absent key (a new word to
        // count) skips the memtable skip-list search, the costliest part of a miss.
        rocksdb_options_set_memtable_prefix_bloom_size_ratio(options, 0.02)
        rocksdb_options_set_memtable_whole_key_filtering(options, 1)

        let checkpointOptions = rocksdb_options_create_copy(options)!
        defer { rocksdb_options_destroy(checkpointOptions) }
        rocksdb_options_set_write_buffer_size(checkpointOptions, RocksDBEnvironment.checkpointWriteBufferSize)

        try self.init(path: path, environment: environment, operation: "open") { names, handles, error in
            var familyOptions: [OpaquePointer?] = [options, checkpointOptions]
            return rocksdb_open_column_families(options, path, 2, names, &familyOptions, handles, error)
        }
    }

    /// Opens the existing database at `path` read-only, as it was last written (logged writes
    /// included): for inspecting a store no worker has open. Writes fail. RocksDB's info log
    /// goes to `infoLogDirectory`, so not even the store's `LOG` files change.
    convenience init(readOnlyAt path: String, infoLogDirectory: String) throws {
        let options = rocksdb_options_create()!
        defer { rocksdb_options_destroy(options) }
        rocksdb_options_set_db_log_dir(options, infoLogDirectory)
        rocksdb_options_set_info_log_level(options, 4)
        try self.init(path: path, environment: nil, operation: "open read-only") { names, handles, error in
            var familyOptions: [OpaquePointer?] = [options, options]
            return rocksdb_open_for_read_only_column_families(
                options, path, 2, names, &familyOptions, handles, 0, error)
        }
    }

    /// Opens the database through `open` (given the two column family names, the handles to
    /// fill and the error out-parameter) and registers it with `environment`, if any.
    private init(
        path: String, environment: RocksDBEnvironment?, operation: String,
        open: (
            UnsafeMutablePointer<UnsafePointer<CChar>?>, UnsafeMutablePointer<OpaquePointer?>,
            UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
        ) -> OpaquePointer?
    ) throws {
        self.path = path
        self.environment = environment
        var handles: [OpaquePointer?] = [nil, nil]
        var error: UnsafeMutablePointer<CChar>?
        let opened: OpaquePointer? = "default".withCString { n0 in
            Self.checkpointFamilyName.withCString { n1 in
                var names: [UnsafePointer<CChar>?] = [n0, n1]
                return open(&names, &handles, &error)
            }
        }
        if let message = Self.take(error) {
            let advice =
                message.contains("LOCK")
                ? " (the store is already open: close the other instance first)"
                : " (if the store is damaged, delete its directory to rebuild it from its changelog)"
            throw StateStoreError.rocksDB(operation: operation, directory: path, message: message + advice)
        }
        guard let opened, let data = handles[0], let checkpoint = handles[1] else {
            throw StateStoreError.rocksDB(operation: operation, directory: path, message: "no handle returned")
        }
        db = opened
        dataFamily = data
        checkpointFamily = checkpoint
        readOptions = rocksdb_readoptions_create()
        writeOptions = rocksdb_writeoptions_create()
        unloggedWriteOptions = rocksdb_writeoptions_create()
        rocksdb_writeoptions_disable_WAL(unloggedWriteOptions, 1)
        do {
            try environment?.register(handle)
        } catch {
            close()
            throw error
        }
    }

    deinit { close() }

    /// Closes the database; further calls do nothing. Logged memtables stay in the WAL,
    /// which RocksDB replays at the next open; unlogged ones are flushed first.
    func close() {
        guard db != nil else { return }
        try? flushUnloggedWrites()
        environment?.unregister(handle)
        rocksdb_column_family_handle_destroy(dataFamily)
        rocksdb_column_family_handle_destroy(checkpointFamily)
        rocksdb_readoptions_destroy(readOptions)
        rocksdb_writeoptions_destroy(writeOptions)
        rocksdb_writeoptions_destroy(unloggedWriteOptions)
        rocksdb_close(db)
        db = nil
    }

    // MARK: - Reads

    /// Calls `body` with the value stored for `key` (borrowed for the call) or nil.
    func get<R>(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) throws -> R) throws -> R {
        var error: UnsafeMutablePointer<CChar>?
        let slice = rocksdb_get_pinned_cf(
            db, readOptions, dataFamily, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count, &error)
        if let message = Self.take(error) {
            throw StateStoreError.rocksDB(operation: "get", directory: path, message: message)
        }
        guard let slice else { return try body(nil) }
        defer { rocksdb_pinnableslice_destroy(slice) }
        var length = 0
        let value = rocksdb_pinnableslice_value(slice, &length)
        return try body(UnsafeRawBufferPointer(start: value, count: length))
    }

    /// An iterator over the data column family.
    func makeIterator() -> RocksDBIterator {
        RocksDBIterator(rocksdb_create_iterator_cf(db, readOptions, dataFamily), path: path)
    }

    /// The greatest key of the data, or nil when the store is empty.
    func lastKey() throws -> [UInt8]? {
        let iterator = makeIterator()
        iterator.seekToLast()
        defer { _ = try? iterator.checkError() }
        return iterator.isValid ? Array(iterator.key) : nil
    }

    /// The checkpoint stored with the data: changelog partition → next offset to read.
    func readCheckpoint() throws -> [ChangelogPartition: Int64] {
        let iterator = RocksDBIterator(rocksdb_create_iterator_cf(db, readOptions, checkpointFamily), path: path)
        iterator.seek(nil)
        var checkpoint: [ChangelogPartition: Int64] = [:]
        while iterator.isValid {
            let (partition, offset) = try iterator.withEntry { key, value in
                try CheckpointCodec.decode(key: key, value: value, directory: path)
            }
            checkpoint[partition] = offset
            iterator.next()
        }
        try iterator.checkError()
        return checkpoint
    }

    /// RocksDB's estimate of the number of keys (`rocksdb.estimate-num-keys`).
    func estimatedKeyCount() -> Int {
        var count: UInt64 = 0
        let ok = rocksdb_property_int_cf(db, dataFamily, "rocksdb.estimate-num-keys", &count)
        return ok == 0 ? Int(count) : 0
    }

    // MARK: - Writes

    /// Applies `batch` atomically, through the write-ahead log when `logged` (flushing any
    /// unlogged writes first), or without it.
    func write(_ batch: RocksDBWriteBatch, logged: Bool) throws {
        if logged { try flushUnloggedWrites() }
        var error: UnsafeMutablePointer<CChar>?
        rocksdb_write(db, logged ? writeOptions : unloggedWriteOptions, batch.handle, &error)
        if let message = Self.take(error) {
            throw StateStoreError.rocksDB(operation: "write", directory: path, message: message)
        }
        if !logged { hasUnloggedWrites = true }
    }

    /// Makes unlogged writes durable: flushes the data, then the checkpoint. In that order a
    /// crash in between leaves data ahead of its checkpoint, which replaying the changelog
    /// from the checkpoint repairs; the reverse order could leave a checkpoint that lies.
    func flushUnloggedWrites() throws {
        guard hasUnloggedWrites else { return }
        let options = rocksdb_flushoptions_create()
        defer { rocksdb_flushoptions_destroy(options) }
        rocksdb_flushoptions_set_wait(options, 1)
        for family in [dataFamily, checkpointFamily] {
            var error: UnsafeMutablePointer<CChar>?
            rocksdb_flush_cf(db, options, family, &error)
            if let message = Self.take(error) {
                throw StateStoreError.rocksDB(operation: "flush", directory: path, message: message)
            }
        }
        hasUnloggedWrites = false
    }

    /// Turns a RocksDB error string into a Swift string and frees it.
    static func take(_ error: UnsafeMutablePointer<CChar>?) -> String? {
        guard let error else { return nil }
        defer { rocksdb_free(error) }
        return String(cString: error)
    }
}
