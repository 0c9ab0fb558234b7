import EddyHost
import EddySDK

/// How an aggregation folds values into aggregates: counting in the host, a plugin's
/// function (one ABI crossing per call), or, in the host, an application file's typed
/// function over a JSON field. The aggregation nodes (per key, and per time, sliding or
/// session window) own the store and the windows; the aggregator only folds.
public protocol Aggregator: AnyObject {
    /// Folds `entries.run[i]`'s value into `entries.aggregates[i]` (absent: the key, or
    /// window, has none yet) for every entry, and calls `folded(i, newAggregate)` (bytes
    /// borrowed for that call) in order; an entry it cannot fold goes to the error policy at
    /// `node` and gets no call. The entries' keys (and windows) are distinct, so no fold
    /// depends on another of the same call.
    func fold(_ entries: FoldEntries, at node: GraphNode, folded: (Int, eddy_bytes) throws -> Void) throws

    /// Session windows: merges the aggregates (two or more, in session order) of the sessions
    /// of `key` that a record bridges into one.
    func merge(key: eddy_bytes, _ aggregates: [eddy_bytes], at node: GraphNode) throws -> [UInt8]
}

/// A node that folds records with an aggregator: per key, or per time, sliding or session
/// window. A hot reload finds the plugin functions its aggregator calls through this.
public protocol AggregationNode: GraphNode {
    var aggregator: Aggregator { get }
}

extension AggregationNode {
    /// The key of a record the aggregation takes; nil, after counting the record as dropped,
    /// for a null key or a null value (Kafka Streams skips both).
    func aggregationKey(of record: eddy_record, origin: Int32) -> UnsafeRawBufferPointer? {
        guard let key = record.key.buffer, record.value.ptr != nil else {
            graph.environment.dropped(origin: origin, node: name, reason: "null key or value")
            return nil
        }
        return key
    }
}

/// The entries of one fold: records (laid out as a run, with their origins) and the current
/// aggregate of each (absent for none).
public struct FoldEntries {
    public let run: RecordRun
    public let aggregates: UnsafePointer<eddy_bytes>
}

/// `count`: the number of records, an 8-byte big-endian integer.
public final class CountAggregator: Aggregator {
    public init() {}

    public func fold(_ entries: FoldEntries, at node: GraphNode, folded: (Int, eddy_bytes) throws -> Void) throws {
        for index in 0..<entries.run.count {
            let count = try Self.count(entries.aggregates[index], at: node) + 1
            try withUnsafeBytes(of: count.bigEndian) { try folded(index, eddy_bytes(borrowing: $0)) }
        }
    }

    public func merge(key: eddy_bytes, _ aggregates: [eddy_bytes], at node: GraphNode) throws -> [UInt8] {
        let total = try aggregates.reduce(Int64(0)) { $0 + (try Self.count($1, at: node)) }
        return withUnsafeBytes(of: total.bigEndian) { Array($0) }
    }

    private static func count(_ stored: eddy_bytes, at node: GraphNode) throws -> Int64 {
        guard let bytes = stored.buffer else { return 0 }
        guard bytes.count == 8 else {
            throw GraphError("a count in the store of \(node.name) is \(bytes.count) bytes, not an 8-byte integer")
        }
        return Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
    }
}

/// A plugin's `reduce` or `aggregate` function: one `apply` per fold, with the current
/// aggregates (for a reduce, a key's first value is its aggregate as it is, without a call),
/// and `merge` for sessions.
public final class FunctionAggregator: Aggregator {
    public let caller: FunctionCaller
    let isReduce: Bool
    /// The call's records that need the plugin (a reduce's first values do not), and their aggregates.
    private let calls = RunBuffer()
    private var callAggregates: [eddy_bytes] = []
    private var callIndex: [Int] = []
    /// What the plugin emitted, per call record; nil for a rejected one.
    private var results: [eddy_bytes?] = []
    private let resultBytes = ByteArena()

    init(caller: FunctionCaller, isReduce: Bool) {
        self.caller = caller
        self.isReduce = isReduce
        caller.take = { [unowned(unsafe) self] index, _, _, value, _ in results[index] = resultBytes.copy(value) }
    }

    public func fold(_ entries: FoldEntries, at node: GraphNode, folded: (Int, eddy_bytes) throws -> Void) throws {
        defer {
            calls.reset()
            callAggregates.removeAll(keepingCapacity: true)
            callIndex.removeAll(keepingCapacity: true)
            resultBytes.reset()
        }
        for index in 0..<entries.run.count where !(isReduce && entries.aggregates[index].ptr == nil) {
            calls.append(entries.run.records[index], origin: entries.run.origins[index])
            callAggregates.append(entries.aggregates[index])
            callIndex.append(index)
        }
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: repeatElement(nil, count: calls.count))
        if calls.count > 0 {
            try callAggregates.withUnsafeBufferPointer { buffer in
                try caller.apply(calls.run, aggregates: buffer.baseAddress!) { results[$0] = nil }
            }
        }
        var next = 0
        for index in 0..<entries.run.count {
            if next < callIndex.count, callIndex[next] == index {
                defer { next += 1 }
                if let result = results[next] { try folded(index, result) }
            } else {
                try folded(index, entries.run.records[index].value)
            }
        }
    }

    public func merge(key: eddy_bytes, _ aggregates: [eddy_bytes], at node: GraphNode) throws -> [UInt8] {
        try caller.merge(key: key, aggregates)
    }
}
