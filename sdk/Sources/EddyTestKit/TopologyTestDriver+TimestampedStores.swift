import EddyHost
import EddySDK

/// The stores of tables with the timestamps they keep (Kafka Streams' `TopologyTestDriver.
/// getTimestampedKeyValueStore`): a table's store holds each value with the timestamp of the
/// update that wrote it, an aggregation's (without windows) each aggregate with the largest
/// timestamp folded into it.
extension TopologyTestDriver {
    /// The contents of the key-value store `name` in key order, each value without its
    /// timestamp and, for a table's or an aggregation's store, with it (nil for a store that keeps none).
    public func timestampedKeyValueStore(_ name: String) throws -> [(entry: StoreEntry, timestamp: Int64?)] {
        guard case .keyValue(let storage as InMemoryKeyValueStore)? = stores[name]?.storage else {
            throw TestDriverError.unknownStore(name, processor: "the topology")
        }
        guard timestampedStores.contains(name) else { return storage.sortedEntries().map { ($0, nil) } }
        return storage.sortedEntries().map { entry in
            var value = entry
            value.value = Array(entry.value.dropFirst(8))
            let timestamp = entry.value.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
            return (value, timestamp)
        }
    }

    /// The contents of a table's store `name`, decoded, in key order: key, value, and the
    /// timestamp stored with it.
    public func timestampedKeyValueStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> [(
        key: K.Value, value: V.Value, timestamp: Int64?
    )] {
        try timestampedKeyValueStore(name).map { entry, timestamp in
            (
                try entry.key.withUnsafeBytes { try key.deserializeKey($0) },
                try entry.value.withUnsafeBytes { try value.deserialize($0) }, timestamp
            )
        }
    }
}
