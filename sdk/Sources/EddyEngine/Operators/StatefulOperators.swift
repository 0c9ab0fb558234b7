import EddyHost
import EddySDK

/// `count` (Kafka Streams' `KStreamAggregate` with a counting aggregator): the number of
/// records per key, kept in a store as an 8-byte big-endian integer, forwarded on every
/// update. Records with a null key or value are skipped and counted as dropped.
public final class CountNode: GraphNode {
    let store: any KeyValueStorage
    private let output = RunBuffer()

    init(name: String, store: any KeyValueStorage) {
        self.store = store
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = record.key.buffer, record.value.ptr != nil else {
                graph.environment.dropped(origin: run.origins[index], node: name, reason: "null key or value")
                continue
            }
            var count: Int64 = 0
            var malformed: Int?
            store.get(key) { stored in
                guard let stored else { return }
                guard stored.count == 8 else {
                    malformed = stored.count
                    return
                }
                count = Int64(bigEndian: stored.loadUnaligned(as: Int64.self))
            }
            if let malformed {
                throw GraphError("the count of a key in the store of \(name) is \(malformed) bytes, not an 8-byte integer")
            }
            count += 1
            withUnsafeBytes(of: count.bigEndian) { bytes in
                store.put(key, bytes)
                output.append(record, key: nil, value: eddy_bytes(borrowing: bytes), origin: run.origins[index])
            }
        }
        defer { output.reset() }
        try forward(output.run)
    }
}

/// `toTable` (Kafka Streams' `KStreamToTable`... materialized): puts each value under its
/// key, deletes the key on a tombstone, and forwards every update. Null keys are skipped
/// and counted as dropped.
public final class ToTableNode: GraphNode {
    let store: any KeyValueStorage
    private let output = RunBuffer()

    init(name: String, store: any KeyValueStorage) {
        self.store = store
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = record.key.buffer else {
                graph.environment.dropped(origin: run.origins[index], node: name, reason: "null key")
                continue
            }
            if let value = record.value.buffer { store.put(key, value) } else { store.delete(key) }
            output.append(record, origin: run.origins[index])
        }
        defer { output.reset() }
        try forward(output.run)
    }
}

/// `reduce` and `aggregate` (Kafka Streams' `KStreamReduce`, `KStreamAggregate`): the
/// plugin folds each record into its key's stored aggregate; the host reads and writes the
/// store and forwards (key, new aggregate) for every record, in input order.
///
/// One `apply` takes records with distinct keys (a record's aggregate depends on the one
/// before it of the same key), so a run is cut where a key repeats. A reduce's first value
/// of a key is its aggregate as it is, without calling the plugin. Records with a null key
/// or value are skipped and counted as dropped.
public final class AggregateNode: FunctionNode {
    let store: any KeyValueStorage
    let isReduce: Bool
    /// The current segment: run indices of its records, whether each needs the plugin.
    private var segment: [(index: Int, calls: Bool)] = []
    private var keys = KeySet()
    /// The segment's records that need the plugin, laid out for `apply`, and their aggregates.
    private let callRecords = RunBuffer()
    private var aggregates: [eddy_bytes] = []
    private let aggregateBytes = ByteArena()
    /// What the plugin emitted, per call record; nil for a rejected one.
    private var results: [eddy_bytes?] = []

    init(name: String, function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>, store: any KeyValueStorage, isReduce: Bool) {
        self.store = store
        self.isReduce = isReduce
        super.init(name: name, function: function, entry: entry)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = record.key.buffer, record.value.ptr != nil else {
                graph.environment.dropped(origin: run.origins[index], node: name, reason: "null key or value")
                continue
            }
            if !keys.insert(key, index: index, keyOf: { run.records[$0].key.buffer! }) {
                try flush(run)
                _ = keys.insert(key, index: index, keyOf: { run.records[$0].key.buffer! })
            }
            var stored: eddy_bytes = .absent
            store.get(key) { bytes in if let bytes { stored = aggregateBytes.copy(bytes) } }
            let calls = !(isReduce && stored.ptr == nil)
            segment.append((index, calls))
            if calls {
                callRecords.append(record, origin: run.origins[index])
                aggregates.append(stored)
            }
        }
        try flush(run)
        try deliverOutput()
    }

    /// Runs the plugin on the segment, writes the new aggregates and collects the outputs.
    private func flush(_ run: RecordRun) throws {
        defer {
            segment.removeAll(keepingCapacity: true)
            keys.removeAll()
            callRecords.reset()
            aggregates.removeAll(keepingCapacity: true)
            aggregateBytes.reset()
        }
        guard !segment.isEmpty else { return }
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: repeatElement(nil, count: callRecords.count))
        if callRecords.count > 0 {
            try aggregates.withUnsafeBufferPointer { buffer in
                try apply(callRecords.run, aggregates: buffer.baseAddress!) { results[$0] = nil }
            }
        }
        var next = 0
        for (index, calls) in segment {
            let record = run.records[index]
            let value: eddy_bytes
            if calls {
                defer { next += 1 }
                guard let result = results[next] else { continue }
                value = result
            } else {
                value = output.arena.copy(record.value)
            }
            store.put(record.key.buffer!, value.buffer!)
            var updated = record
            updated.value = value
            output.append(updated, origin: run.origins[index])
        }
    }

    override func take(index: Int, record: eddy_record, key: eddy_bytes, value: eddy_bytes, origin: Int32) {
        results[index] = output.arena.copy(value)
    }

    public override var operatorName: String { isReduce ? "reduce" : "aggregate" }
}
