import EddyHost

/// The store of a `KTable` as the nodes that write and read it see it (Kafka Streams'
/// `TimestampedKeyValueStore` and the value getters of its joins): values with their
/// timestamps — a table's the update's that wrote it, an aggregation's the largest folded into
/// it. In the timestamped layout (a store declared
/// `timestamped:<serde>`, see `Topology+TableStores.swift`: a table's, an aggregation's) the
/// stored bytes are the timestamp, 8 bytes big-endian, then the value; a store in the plain
/// layout (one declared by hand, not through `Topology.build`) holds the value alone, and its
/// timestamps are unknown (nil).
///
/// Used only by the stream thread that owns the task; writes go through one reused buffer.
final class TableStore {
    let storage: any KeyValueStorage
    /// Whether stored values start with their timestamp.
    let timestamped: Bool
    private var scratch: [UInt8] = []

    init(_ storage: any KeyValueStorage, timestamped: Bool) {
        self.storage = storage
        self.timestamped = timestamped
    }

    /// Calls `body` with the value of `key` (borrowed for `body`; nil when absent) and its
    /// timestamp (nil when absent or the layout has none).
    @inline(__always)
    func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?, Int64?) -> Void) {
        storage.get(key) { stored in
            guard let stored else { return body(nil, nil) }
            guard timestamped else { return body(stored, nil) }
            guard stored.count >= 8 else { return body(stored, nil) }
            body(
                UnsafeRawBufferPointer(rebasing: stored[8...]),
                Int64(bigEndian: stored.loadUnaligned(as: Int64.self)))
        }
    }

    /// Whether the store holds `key`.
    func contains(_ key: UnsafeRawBufferPointer) -> Bool {
        var held = false
        storage.get(key) { held = $0 != nil }
        return held
    }

    /// Writes `value` under `key`, with `timestamp` in the timestamped layout.
    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer, timestamp: Int64) {
        guard timestamped else { return storage.put(key, value) }
        scratch.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: timestamp.bigEndian) { scratch.append(contentsOf: $0) }
        scratch.append(contentsOf: value)
        scratch.withUnsafeBytes { storage.put(key, $0) }
    }

    func delete(_ key: UnsafeRawBufferPointer) { storage.delete(key) }
}
