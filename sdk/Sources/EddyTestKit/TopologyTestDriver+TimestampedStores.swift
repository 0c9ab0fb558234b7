import EddyHost
import EddySDK

/// The stores of tables with the timestamps they keep (Kafka Streams' `TopologyTestDriver.
/// getTimestampedKeyValueStore`): a table's store holds each value with the timestamp of the
/// update that wrote it, an aggregation's (without windows) each aggregate with the largest
/// timestamp folded into it, and a windowed aggregation's window store (Kafka Streams'
/// `getTimestampedWindowStore`) each window's aggregate with the largest timestamp folded into it.
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

    /// The windows of the window store `name`, ordered by key, then window start: each
    /// aggregate without its timestamp and, for a windowed aggregation's store, with it (nil
    /// for a store that keeps none).
    public func timestampedWindowStore(_ name: String) throws -> [(entry: StoreEntry, timestamp: Int64?)] {
        guard case .window(let storage as InMemoryWindowStore)? = stores[name]?.storage else {
            throw TestDriverError.unknownStore(name, processor: "the topology")
        }
        guard timestampedStores.contains(name) else { return storage.sortedEntries().map { ($0, nil) } }
        return storage.sortedEntries().map { entry in
            var window = entry
            window.value = Array(entry.value.dropFirst(8))
            return (window, entry.value.prefix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) })
        }
    }

    /// The windows of the window store `name`, decoded, ordered by key, then window start:
    /// window, aggregate, and the timestamp stored with it.
    public func timestampedWindowStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> [(
        key: Windowed<K.Value>, value: V.Value, timestamp: Int64?
    )] {
        try timestampedWindowStore(name).map { entry, timestamp in
            (
                Windowed(
                    key: try entry.key.withUnsafeBytes { try key.deserializeKey($0) }, start: entry.windowStart,
                    end: entry.windowEnd),
                try entry.value.withUnsafeBytes { try value.deserialize($0) }, timestamp
            )
        }
    }
}
