import CRocksDB
import Synchronization

/// The RocksDB resources shared by every persistent store of the process, sized from one
/// memory budget (`rocksdb.memory.mb`) so that opening more stores does not multiply memory.
///
/// The budget is split in two halves:
/// - **block cache**: one LRU cache shared by all stores; index and filter blocks are
///   charged to it too (`cache_index_and_filter_blocks`), so table readers do not grow
///   outside the budget;
/// - **memtables**: RocksDB 7.8.3's C API has no `WriteBufferManager`, so the closest honest
///   bound is kept by hand. Each store may hold at most `max_write_buffer_number` (2) data
///   memtables of ``writeBufferSizePerStore`` bytes plus two small checkpoint memtables;
///   the data memtable size (a power of two) is recomputed for every open store (through
///   `rocksdb_set_options`) when opening a store changes it, so that all memtables
///   together stay within half the budget. Below a floor of ``minimumWriteBufferSize`` per memtable
///   the bound is exceeded, and ``isOverCommitted`` says so.
///
/// Thread-safe: stores of different stream threads open and close concurrently.
public final class RocksDBEnvironment: @unchecked Sendable {
    /// The default of `rocksdb.memory.mb`.
    public static let defaultMemoryMB = 128
    /// The smallest data memtable a store gets, whatever the number of stores.
    public static let minimumWriteBufferSize = 256 * 1024
    /// Memtables per column family: one being written, one being flushed.
    static let maxWriteBufferNumber: Int32 = 2
    /// The memtable size of the small checkpoint column family.
    static let checkpointWriteBufferSize = 64 * 1024

    /// The whole budget, in bytes.
    public let memoryBudgetBytes: Int
    /// The shared block cache's capacity, in bytes.
    public let blockCacheBytes: Int
    /// What all memtables of all stores may hold together, in bytes.
    public let memtableBudgetBytes: Int

    let blockCache: OpaquePointer
    let tableOptions: OpaquePointer
    private let openDatabases = Mutex<OpenDatabases>(OpenDatabases())

    /// An open database and its checkpoint column family; RocksDB allows `SetOptions` and
    /// property reads on them from any thread.
    struct DatabaseHandle: @unchecked Sendable, Equatable {
        let db: OpaquePointer
        let checkpointFamily: OpaquePointer
    }

    private struct OpenDatabases {
        var handles: [DatabaseHandle] = []
        var writeBufferSize = 0
    }

    /// Creates the shared resources for a budget of `memoryMB` mebibytes (at least 8).
    public init(memoryMB: Int = RocksDBEnvironment.defaultMemoryMB) {
        memoryBudgetBytes = max(8, memoryMB) * 1024 * 1024
        blockCacheBytes = memoryBudgetBytes / 2
        memtableBudgetBytes = memoryBudgetBytes - blockCacheBytes
        blockCache = rocksdb_cache_create_lru(blockCacheBytes)
        tableOptions = rocksdb_block_based_options_create()
        rocksdb_block_based_options_set_block_cache(tableOptions, blockCache)
        rocksdb_block_based_options_set_cache_index_and_filter_blocks(tableOptions, 1)
        rocksdb_block_based_options_set_pin_l0_filter_and_index_blocks_in_cache(tableOptions, 1)
        rocksdb_block_based_options_set_filter_policy(tableOptions, rocksdb_filterpolicy_create_bloom_full(10))
        rocksdb_block_based_options_set_format_version(tableOptions, 5)
    }

    deinit {
        rocksdb_block_based_options_destroy(tableOptions)
        rocksdb_cache_destroy(blockCache)
    }

    /// How many persistent stores are open on this environment.
    public var openStoreCount: Int { openDatabases.withLock { $0.handles.count } }

    /// The data memtable size each open store currently gets.
    public var writeBufferSizePerStore: Int {
        openDatabases.withLock { writeBufferSize(forStores: max(1, $0.handles.count)) }
    }

    /// Whether so many stores are open that the per-store memtable floor breaks the budget.
    public var isOverCommitted: Bool {
        openDatabases.withLock {
            $0.handles.count * Self.memtableCeiling(Self.minimumWriteBufferSize) > memtableBudgetBytes
        }
    }

    /// What RocksDB holds now against the budget, summed over all open stores.
    public var usage: RocksDBMemoryUsage {
        // Read under the lock: a store cannot close (and free its handle) meanwhile.
        let (memtables, tableReaders) = openDatabases.withLock { state in
            var memtables = 0
            var tableReaders = 0
            for handle in state.handles {
                memtables += Self.property(handle.db, nil, "rocksdb.size-all-mem-tables")
                memtables += Self.property(handle.db, handle.checkpointFamily, "rocksdb.size-all-mem-tables")
                tableReaders += Self.property(handle.db, nil, "rocksdb.estimate-table-readers-mem")
            }
            return (memtables, tableReaders)
        }
        return RocksDBMemoryUsage(
            blockCache: rocksdb_cache_get_usage(blockCache), memtables: memtables,
            tableReadersOutsideCache: tableReaders)
    }

    // MARK: - Store registration

    /// The data memtable size for the next store to open, before it is registered.
    func writeBufferSizeForNewStore() -> Int {
        openDatabases.withLock { writeBufferSize(forStores: $0.handles.count + 1) }
    }

    /// Adds an open database and shrinks every store's memtables to keep the budget.
    func register(_ handle: DatabaseHandle) throws {
        try openDatabases.withLock { state in
            state.handles.append(handle)
            try rebalance(&state)
        }
    }

    /// Removes a database that is about to close. The others keep their memtable size (still
    /// within the budget) until the next open recomputes it: resizing rewrites each store's
    /// OPTIONS file with an fsync, which a task closing all its stores should not pay.
    func unregister(_ handle: DatabaseHandle) {
        openDatabases.withLock { state in
            state.handles.removeAll { $0 == handle }
        }
    }

    // MARK: - Private

    /// The most memtable memory one store can hold with data memtables of `size` bytes.
    private static func memtableCeiling(_ size: Int) -> Int {
        Int(maxWriteBufferNumber) * (size + checkpointWriteBufferSize)
    }

    /// The data memtable size when `count` stores share the budget, rounded down to a power
    /// of two: changing it rewrites every open store's OPTIONS file, so it changes only when
    /// the store count crosses a power of two, not on every open.
    private func writeBufferSize(forStores count: Int) -> Int {
        let share =
            memtableBudgetBytes / max(1, count) / Int(Self.maxWriteBufferNumber) - Self.checkpointWriteBufferSize
        guard share > Self.minimumWriteBufferSize else { return Self.minimumWriteBufferSize }
        return 1 << (Int.bitWidth - 1 - share.leadingZeroBitCount)
    }

    private func rebalance(_ state: inout OpenDatabases) throws {
        let size = writeBufferSize(forStores: state.handles.count)
        guard size != state.writeBufferSize else { return }
        state.writeBufferSize = size
        let value = String(size)
        for handle in state.handles {
            var error: UnsafeMutablePointer<CChar>?
            "write_buffer_size".withCString { key in
                value.withCString { val in
                    var keys: [UnsafePointer<CChar>?] = [key]
                    var values: [UnsafePointer<CChar>?] = [val]
                    rocksdb_set_options(handle.db, 1, &keys, &values, &error)
                }
            }
            if let message = RocksDBDatabase.take(error) {
                throw StateStoreError.rocksDB(
                    operation: "set write_buffer_size", directory: "(shared)", message: message)
            }
        }
    }

    private static func property(_ db: OpaquePointer, _ family: OpaquePointer?, _ name: String) -> Int {
        var value: UInt64 = 0
        let status =
            family.map { rocksdb_property_int_cf(db, $0, name, &value) } ?? rocksdb_property_int(db, name, &value)
        return status == 0 ? Int(value) : 0
    }
}

/// Memory RocksDB holds against the ``RocksDBEnvironment`` budget.
public struct RocksDBMemoryUsage: Sendable, Equatable {
    /// Bytes in the shared block cache (data, index and filter blocks).
    public var blockCache: Int
    /// Bytes in all memtables of all stores, active and waiting for flush.
    public var memtables: Int
    /// Table-reader memory not charged to the block cache.
    public var tableReadersOutsideCache: Int

    /// The sum of all parts.
    public var total: Int { blockCache + memtables + tableReadersOutsideCache }
}
