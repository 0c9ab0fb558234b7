/// The user's function behind a DSL node, as the host reaches it through `eddy_node.apply`:
/// one call per run of records. It decodes each record with the node's serdes, calls the
/// user's closure, and gives the result back through ``NodeCall``.
///
/// Built by the inlinable factories below from the operators (also inlinable), so that the
/// plugin's compiler specializes the whole per-record loop for the plugin's own types: the
/// host reaches it with one indirect call per run, and nothing inside goes through generic
/// metadata.
///
/// The host calls one node's function for different tasks on different threads at once, so
/// the closures must keep no shared mutable state (as Kafka Streams' lambdas).
@usableFromInline
final class NodeFunction: @unchecked Sendable {
    /// Runs the function over the call's records; a thrown error rejects the record at hand.
    @usableFromInline
    let apply: (NodeCall) throws -> Void
    /// Session aggregations: folds the aggregates of the sessions a record bridges into one.
    @usableFromInline
    let merge: ((MergeCall) throws -> Void)?

    @usableFromInline
    init(merge: ((MergeCall) throws -> Void)? = nil, _ apply: @escaping (NodeCall) throws -> Void) {
        self.apply = apply
        self.merge = merge
    }
}

/// Decodes a record's key (nil for a null key, or when the closure does not read keys) and
/// value (nil for a null value, a tombstone) with the node's serdes.
@usableFromInline
struct RecordDecoder<K: Serde, V: Serde> {
    @usableFromInline let keySerde: K
    @usableFromInline let valueSerde: V
    /// Whether the closure reads the key; when not, keys are not decoded.
    @usableFromInline let usesKey: Bool

    @inlinable
    init(keySerde: K, valueSerde: V, usesKey: Bool = true) {
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.usesKey = usesKey
    }

    /// The same serdes, for a closure that reads only the value.
    @inlinable
    var valuesOnly: RecordDecoder { RecordDecoder(keySerde: keySerde, valueSerde: valueSerde, usesKey: false) }

    @inlinable
    func key(_ record: Record) throws -> K.Value? {
        usesKey ? try record.key(keySerde) : nil
    }

    @inlinable
    func value(_ record: Record) throws -> V.Value? {
        try record.value(valueSerde)
    }
}

/// A tombstone (a record with a null value) reached a stream operator that needs a value:
/// one that picks a new key or a branch from it.
@usableFromInline
struct TombstoneError: Error, CustomStringConvertible {
    @usableFromInline let operation: String

    @usableFromInline
    init(operation: String) { self.operation = operation }

    @usableFromInline
    var description: String {
        "the record has a null value (a tombstone), from which \(operation) cannot compute its result; filter tombstones out before it (a filter passes them on), or read the topic as a table"
    }
}

/// An aggregation met a record with a null key (the host skips those; this guards the ABI).
@usableFromInline
struct NullKeyError: Error, CustomStringConvertible {
    @usableFromInline
    init() {}

    @usableFromInline
    var description: String { "the record has a null key, which an aggregation cannot group" }
}

// MARK: - The functions of each kind

extension NodeFunction {
    /// `filter`, `filterNot` and a table's `filter`: writes 1 (the predicate holds) or 0 per
    /// record. A tombstone passes without the predicate (`passing` is the result that keeps it).
    @inlinable
    static func predicate<K, V>(
        _ decoder: RecordDecoder<K, V>, passing: Int32, _ test: @escaping (K.Value?, V.Value) throws -> Bool
    ) -> NodeFunction {
        NodeFunction { call in
            try call.forEachRecord { index, record in
                guard let value = try decoder.value(record) else { return call.setResult(index, passing) }
                call.setResult(index, try test(try decoder.key(record), value) ? 1 : 0)
            }
        }
    }

    /// `split`: writes the index of the first branch whose predicate holds, the default
    /// branch's index when none does and there is one, else -1.
    @inlinable
    static func branch<K, V>(
        _ decoder: RecordDecoder<K, V>, _ predicates: [(K.Value?, V.Value) throws -> Bool], defaultBranch: Int32?
    ) -> NodeFunction {
        NodeFunction { call in
            try call.forEachRecord { index, record in
                let key = try decoder.key(record)
                guard let value = try decoder.value(record) else { throw TombstoneError(operation: "split") }
                var branch = defaultBranch ?? -1
                for (position, predicate) in predicates.enumerated() where try predicate(key, value) {
                    branch = Int32(position)
                    break
                }
                call.setResult(index, branch)
            }
        }
    }

    /// `map`, `flatMap`, `mapValues`, `flatMapValues`, `selectKey`, `groupBy`'s key selector and
    /// a table's `mapValues`: `body` hands each output to the call's `emit`, which encodes it. A
    /// tombstone passes as a tombstone through the operators that keep the key; the ones that
    /// pick a key from the value (`rejectingTombstones` names them) reject it.
    @inlinable
    static func emitting<K, V>(
        _ decoder: RecordDecoder<K, V>, rejectingTombstones: String? = nil,
        _ body: @escaping (K.Value?, V.Value, NodeCall, Int) throws -> Void
    ) -> NodeFunction {
        NodeFunction { call in
            try call.forEachRecord { index, record in
                guard let value = try decoder.value(record) else {
                    if let operation = rejectingTombstones { throw TombstoneError(operation: operation) }
                    return try call.emitTombstone(index)
                }
                try body(try decoder.key(record), value, call, index)
            }
        }
    }

    /// `peek` and `foreach`: the closure sees each record but tombstones; nothing is emitted.
    @inlinable
    static func action<K, V>(_ decoder: RecordDecoder<K, V>, _ action: @escaping (K.Value?, V.Value) throws -> Void)
        -> NodeFunction
    {
        NodeFunction { call in
            try call.forEachRecord { _, record in
                guard let value = try decoder.value(record) else { return }
                try action(try decoder.key(record), value)
            }
        }
    }

    /// `reduce` and `aggregate`: folds each record into its key's current aggregate (the
    /// initializer's value for a key seen first) and emits the new aggregate; over session
    /// windows, `merger` folds the aggregates of the sessions a record bridges.
    @inlinable
    static func aggregator<K, V, A: Serde>(
        _ decoder: RecordDecoder<K, V>, aggregate aggregateSerde: A, initializer: (() throws -> A.Value)?,
        merger: ((K.Value, A.Value, A.Value) throws -> A.Value)? = nil,
        _ aggregator: @escaping (K.Value, V.Value, A.Value) throws -> A.Value
    ) -> NodeFunction {
        let merge: ((MergeCall) throws -> Void)? = merger.map { merger in
            { call in
                let key = try decoder.keySerde.deserializeKey(call.key)
                var merged = try aggregateSerde.deserialize(call.aggregate(0))
                for index in 1..<call.count {
                    merged = try merger(key, merged, try aggregateSerde.deserialize(call.aggregate(index)))
                }
                try call.emit(merged, aggregateSerde)
            }
        }
        return NodeFunction(merge: merge) { call in
            try call.forEachRecord { index, record in
                guard let key = try decoder.key(record) else { throw NullKeyError() }
                let current: A.Value
                if let stored = call.aggregate(index) {
                    current = try aggregateSerde.deserialize(stored)
                } else if let initializer {
                    current = try initializer()
                } else {
                    throw NodeCallError(message: "the host passed no aggregate to a reduce")
                }
                guard let value = try decoder.value(record) else { throw TombstoneError(operation: "an aggregation") }
                try call.emitValue(index, try aggregator(key, value, current), aggregateSerde)
            }
        }
    }

    /// A timestamp extractor: each record's event time, from its key, value and timestamp.
    @inlinable
    static func timestamps<K, V>(
        _ decoder: RecordDecoder<K, V>, _ extract: @escaping (K.Value?, V.Value?, Int64) throws -> Int64
    ) -> NodeFunction {
        NodeFunction { call in
            try call.forEachRecord { index, record in
                let time = try extract(try decoder.key(record), try decoder.value(record), record.timestamp)
                try call.emitValue(index, time, BigEndianIntegerSerde<Int64>())
            }
        }
    }
}

extension NodeFunction {
    /// A join's joiner: per pair, the left value (nil when an outer join has none) and the
    /// right value (nil when a left or outer join has none, passed in `aggregates`), and
    /// emits the joined value. The host never calls it for the tombstones a join emits.
    @inlinable
    static func joiner<L: Serde, R: Serde, VR: Serde>(
        left: L, right: R, output: VR, _ join: @escaping (L.Value?, R.Value?) throws -> VR.Value
    ) -> NodeFunction {
        NodeFunction { call in
            try call.forEachRecord { index, record in
                let leftValue = try record.value(left)
                let rightValue = try call.aggregate(index).map { try right.deserialize($0) }
                try call.emitValue(index, try join(leftValue, rightValue), output)
            }
        }
    }
}
