/// Where a store's committed data lives. An enum rather than a protocol existential, so the
/// hot path dispatches with a switch and every call is statically known.
enum StoreBackend {
    case rocksDB(RocksDBDatabase)
    case inMemory(InMemoryDatabase)
}
