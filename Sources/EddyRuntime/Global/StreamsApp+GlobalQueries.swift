import EddyState

/// Interactive queries of global stores (Kafka Streams' `store(…)` of a `GlobalKTable`'s
/// store): every worker holds a whole copy, so any worker answers every key locally, from the
/// store the global-store thread keeps, once it is bootstrapped.
extension StreamsApp {
    /// The global stores, by name, as interactive queries see them (key-value stores; no
    /// sub-topology: `subTopology` is -1).
    public var globalQueryableStores: [String: QueryableStore] {
        Dictionary(
            topology.globalStores.map { global in
                (
                    global.store.name,
                    QueryableStore(
                        name: global.store.name, kind: .keyValue, keySerde: global.store.keySerde,
                        valueSerde: global.store.valueSerde, subTopology: -1)
                )
            }
        ) { first, _ in first }
    }

    /// Answers a key-value `query` of a global store from this worker's copy: the entries
    /// found, in key order (partition -1). Reads the store on the calling thread, beside the
    /// global-store thread's writes.
    public func queryGlobalStore(_ query: StoreQuery) throws(GlobalStoreQueryError) -> [QueriedEntry] {
        guard let global else {
            throw GlobalStoreQueryError(
                reason: "the worker has not started: global store '\(query.store)' is not open yet", retry: true)
        }
        guard global.thread.isBootstrapped else {
            throw GlobalStoreQueryError(
                reason: "global store '\(query.store)' is bootstrapping from its topic; retry shortly", retry: true)
        }
        guard let store = global.stores.store(named: query.store) else {
            throw GlobalStoreQueryError(reason: "no global store '\(query.store)'", retry: false)
        }
        var entries: [QueriedEntry] = []
        func collect(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
            entries.append(QueriedEntry(partition: -1, key: Array(key), value: Array(value)))
            return true
        }
        do {
            switch query.operation {
            case .get(let key):
                try key.withUnsafeBytes { key in
                    try store.get(key) { value in
                        if let value { _ = collect(key, value) }
                    }
                }
            case .range(let from, let to):
                try withOptional(from) { from in
                    try withOptional(to) { to in try store.range(from: from, to: to, collect) }
                }
            case .all:
                try store.range(from: nil, to: nil, collect)
            case .prefix(let prefix):
                try prefix.withUnsafeBytes { try store.prefixScan($0, collect) }
            case .windowFetch, .sessionFetch:
                throw GlobalStoreQueryError(
                    reason:
                        "global store '\(query.store)' is a key-value store; query it with /stores/\(query.store)/keys/<key>, range?from=&to=, all, prefix/<prefix>",
                    retry: false)
            }
        } catch let error as GlobalStoreQueryError {
            throw error
        } catch {
            throw GlobalStoreQueryError(reason: "reading global store '\(query.store)' failed: \(error)", retry: false)
        }
        return entries
    }
}

extension QueryableStore {
    /// Whether this is a global store, which every worker holds whole (no sub-topology).
    public var isGlobal: Bool { subTopology < 0 }
}

/// Why a global store could not answer a query: `retry` when it will once bootstrapped.
public struct GlobalStoreQueryError: Error, CustomStringConvertible {
    public let reason: String
    /// Whether the same query will be answered later (the store bootstraps, the worker starts).
    public let retry: Bool
    public var description: String { reason }
}
