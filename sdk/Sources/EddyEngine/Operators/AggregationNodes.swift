import EddyHost
import EddySDK

/// `count`, `reduce` and `aggregate` per key (Kafka Streams' `KStreamAggregate` and
/// `KStreamReduce`): folds each record into its key's aggregate in a key-value store and
/// forwards (key, new aggregate) for every record, in input order. The aggregate's timestamp,
/// stored with it and forwarded, is the record's for a key's first record and then the larger
/// of the record's and the stored aggregate's — so a late record does not take an aggregate
/// back in time. The aggregator folds runs of records with distinct keys (a record's aggregate
/// depends on the one before it of the same key), so a run is cut where a key repeats.
/// Records with a null key or value are skipped and counted as dropped.
public final class KeyAggregateNode: GraphNode, AggregationNode {
    let store: TableStore
    public let aggregator: Aggregator
    private var keys = KeySet()
    private let segment = RunBuffer()
    private var aggregates: [eddy_bytes] = []
    /// The stored timestamp of each entry's aggregate; nil for a key's first record (or a
    /// store in the plain layout).
    private var previousTimestamps: [Int64?] = []
    private let stored = ByteArena()
    private let output = RunBuffer()

    init(name: String, store: TableStore, aggregator: Aggregator) {
        self.store = store
        self.aggregator = aggregator
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = aggregationKey(of: record, origin: run.origins[index]) else { continue }
            if !keys.insert(key, index: segment.count, keyOf: { [segment] in segment.run.records[$0].key.buffer! }) {
                try flush()
                _ = keys.insert(key, index: 0, keyOf: { [segment] in segment.run.records[$0].key.buffer! })
            }
            var current = eddy_bytes.absent
            var previous: Int64?
            store.get(key) { bytes, timestamp in
                guard let bytes else { return }
                current = stored.copy(bytes)
                previous = timestamp
            }
            segment.append(record, origin: run.origins[index])
            aggregates.append(current)
            previousTimestamps.append(previous)
        }
        try flush()
        try deliver(output, as: aggregator)
    }

    private func flush() throws {
        defer {
            segment.reset()
            aggregates.removeAll(keepingCapacity: true)
            previousTimestamps.removeAll(keepingCapacity: true)
            keys.removeAll()
            stored.reset()
        }
        guard segment.count > 0 else { return }
        let run = segment.run
        try aggregates.withUnsafeBufferPointer { buffer in
            try aggregator.fold(FoldEntries(run: run, aggregates: buffer.baseAddress!), at: self) { index, new in
                var record = run.records[index]
                record.timestamp = max(record.timestamp, previousTimestamps[index] ?? record.timestamp)
                store.put(record.key.buffer!, new.buffer!, timestamp: record.timestamp)
                output.append(record, key: nil, value: new, origin: run.origins[index])
            }
        }
    }

    public override var operatorName: String { "aggregate" }
}

/// `count`, `reduce` and `aggregate` in time windows (Kafka Streams' `KStreamWindowAggregate`):
/// each record folds into every window `[start, start + size)` (starting every `advance`)
/// that holds its timestamp and has not closed — a window closes when the node's stream time
/// passes its end plus the grace; a record for a closed window is dropped and counted. Each
/// update is forwarded keyed by the window (key + start) with the largest timestamp folded
/// into it, which the window store keeps before the aggregate.
public final class TimeWindowAggregateNode: GraphNode, AggregationNode {
    let store: any WindowStorage
    public let aggregator: Aggregator
    let size: Int64
    let advance: Int64
    let grace: Int64
    /// The largest timestamp this node has seen (Kafka Streams' `observedStreamTime`).
    private var observed: Int64 = -1
    private var keys = KeySet()
    private let segment = RunBuffer()
    private var entries: [(start: Int64, timestamp: Int64)] = []
    private var aggregates: [eddy_bytes] = []
    private let scratch = ByteArena()
    private var windowKeys: [eddy_bytes] = []
    private let output = RunBuffer()

    public init(
        name: String, store: any WindowStorage, aggregator: Aggregator, size: Int64, advance: Int64, grace: Int64
    ) {
        self.store = store
        self.aggregator = aggregator
        self.size = size
        self.advance = advance
        self.grace = grace
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index], origin = run.origins[index]
            guard let key = aggregationKey(of: record, origin: origin) else { continue }
            let timestamp = record.timestamp
            observed = max(observed, timestamp)
            var start = max(0, timestamp - size + advance) / advance * advance
            while start <= timestamp {
                defer { start += advance }
                guard start + size > observed - grace else {
                    graph.environment.dropped(
                        origin: origin, node: name,
                        reason:
                            "late: window [\(start), \(start + size)) closed (stream time \(observed), grace \(grace) ms)"
                    )
                    continue
                }
                let windowKey = WindowBytes.windowedKey(record.key, start, in: scratch)
                if !keys.insert(
                    windowKey.buffer!, index: windowKeys.count,
                    keyOf: { [unowned(unsafe) self] in windowKeys[$0].buffer! })
                {
                    try flush()
                    let copied = WindowBytes.windowedKey(record.key, start, in: scratch)
                    _ = keys.insert(
                        copied.buffer!, index: 0, keyOf: { [unowned(unsafe) self] in windowKeys[$0].buffer! })
                    windowKeys.append(copied)
                } else {
                    windowKeys.append(windowKey)
                }
                let (current, currentTime) = fetch(key, start)
                segment.append(record, origin: origin)
                entries.append((start, currentTime))
                aggregates.append(current)
            }
        }
        try flush()
        try deliver(output, as: aggregator)
    }

    /// The stored aggregate of `key`'s window at `start` and its timestamp (absent and -1 for none).
    private func fetch(_ key: UnsafeRawBufferPointer, _ start: Int64) -> (eddy_bytes, Int64) {
        var found: (eddy_bytes, Int64) = (.absent, -1)
        store.get(key, windowStart: start) { stored in
            guard let stored, let (timestamp, aggregate) = WindowBytes.split(stored) else { return }
            found = (scratch.copy(aggregate), timestamp)
        }
        return found
    }

    private func flush() throws {
        defer {
            segment.reset()
            entries.removeAll(keepingCapacity: true)
            aggregates.removeAll(keepingCapacity: true)
            windowKeys.removeAll(keepingCapacity: true)
            keys.removeAll()
            scratch.reset()
        }
        guard segment.count > 0 else { return }
        let run = segment.run
        try aggregates.withUnsafeBufferPointer { buffer in
            try aggregator.fold(FoldEntries(run: run, aggregates: buffer.baseAddress!), at: self) { index, new in
                var record = run.records[index]
                let (start, previous) = entries[index]
                record.timestamp = max(record.timestamp, previous)
                let value = WindowBytes.timestamped(new, at: record.timestamp, in: output.arena)
                store.put(record.key.buffer!, windowStart: start, value.buffer!)
                output.append(record, key: windowKeys[index], value: new, origin: run.origins[index])
            }
        }
    }

    public override var operatorName: String { "windowed aggregate" }
}

extension GraphNode {
    /// Sends `output` on (marked as the plugin's when a plugin's function folded it), then empties it.
    func deliver(_ output: RunBuffer, as aggregator: Aggregator) throws {
        defer { output.reset() }
        guard output.count > 0 else { return }
        guard let plugin = (aggregator as? FunctionAggregator)?.caller.function.plugin else {
            return try forward(output.run)
        }
        let outer = graph.deliveringPlugin
        graph.deliveringPlugin = plugin
        defer { graph.deliveringPlugin = outer }
        try forward(output.run)
    }
}
