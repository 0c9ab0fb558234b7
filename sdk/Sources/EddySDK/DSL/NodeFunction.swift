/// The user's function behind a DSL node, as the host reaches it through `eddy_node.apply`:
/// one call per run of records. Subclasses decode each record with the node's serdes, call
/// the closure, and give the result back through ``NodeCall``.
///
/// The host calls one node's function for different tasks on different threads at once, so
/// the closures must keep no shared mutable state (as Kafka Streams' lambdas).
class NodeFunction: @unchecked Sendable {
    /// Runs the function over the call's records; a thrown error rejects the record at hand.
    func apply(_ call: NodeCall) throws {
        preconditionFailure("subclasses override apply")
    }
}

/// Decodes a record's key (nil for a null key) and value (nil for a null value, a
/// tombstone) with the node's serdes.
struct RecordDecoder<K: Serde, V: Serde> {
    let keySerde: K
    let valueSerde: V

    func key(_ record: Record) throws -> K.Value? {
        try record.key(keySerde)
    }

    func value(_ record: Record) throws -> V.Value? {
        try record.value(valueSerde)
    }
}

/// A tombstone (a record with a null value) reached a stream operator that needs a value:
/// one that picks a new key or a branch from it.
struct TombstoneError: Error, CustomStringConvertible {
    let operation: String
    var description: String {
        "the record has a null value (a tombstone), from which \(operation) cannot compute its result; filter tombstones out before it (a filter passes them on), or read the topic as a table"
    }
}

// MARK: - The functions of each kind

/// `filter`, `filterNot` and a table's `filter`: writes 1 (the predicate holds) or 0 per
/// record. A tombstone passes without the predicate (`passing` is the result that keeps it).
final class PredicateFunction<K: Serde, V: Serde>: NodeFunction, @unchecked Sendable {
    let decoder: RecordDecoder<K, V>
    let test: (K.Value?, V.Value) throws -> Bool
    let passing: Int32

    init(_ decoder: RecordDecoder<K, V>, passing: Int32, _ test: @escaping (K.Value?, V.Value) throws -> Bool) {
        self.decoder = decoder
        self.passing = passing
        self.test = test
    }

    override func apply(_ call: NodeCall) throws {
        try call.forEachRecord { index, record in
            guard let value = try decoder.value(record) else { return call.setResult(index, passing) }
            call.setResult(index, try test(try decoder.key(record), value) ? 1 : 0)
        }
    }
}

/// `split`: writes the index of the first branch whose predicate holds, the default branch's
/// index when none does and there is one, else -1.
final class BranchFunction<K: Serde, V: Serde>: NodeFunction, @unchecked Sendable {
    let decoder: RecordDecoder<K, V>
    let predicates: [(K.Value?, V.Value) throws -> Bool]
    let defaultBranch: Int32?

    init(_ decoder: RecordDecoder<K, V>, _ predicates: [(K.Value?, V.Value) throws -> Bool], defaultBranch: Int32?) {
        self.decoder = decoder
        self.predicates = predicates
        self.defaultBranch = defaultBranch
    }

    override func apply(_ call: NodeCall) throws {
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

/// `map`, `flatMap`, `mapValues`, `flatMapValues`, `selectKey`, `groupBy`'s key selector and a
/// table's `mapValues`: the closure hands each output to `emit`, which encodes it. A
/// tombstone passes as a tombstone through the operators that keep the key; the ones that
/// pick a key from the value (`rejectingTombstones` names them) reject it.
final class EmittingFunction<K: Serde, V: Serde>: NodeFunction, @unchecked Sendable {
    let decoder: RecordDecoder<K, V>
    let rejectingTombstones: String?
    let body: (K.Value?, V.Value, NodeCall, Int) throws -> Void

    init(
        _ decoder: RecordDecoder<K, V>, rejectingTombstones: String? = nil,
        _ body: @escaping (K.Value?, V.Value, NodeCall, Int) throws -> Void
    ) {
        self.decoder = decoder
        self.rejectingTombstones = rejectingTombstones
        self.body = body
    }

    override func apply(_ call: NodeCall) throws {
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
final class ActionFunction<K: Serde, V: Serde>: NodeFunction, @unchecked Sendable {
    let decoder: RecordDecoder<K, V>
    let action: (K.Value?, V.Value) throws -> Void

    init(_ decoder: RecordDecoder<K, V>, _ action: @escaping (K.Value?, V.Value) throws -> Void) {
        self.decoder = decoder
        self.action = action
    }

    override func apply(_ call: NodeCall) throws {
        try call.forEachRecord { _, record in
            guard let value = try decoder.value(record) else { return }
            try action(try decoder.key(record), value)
        }
    }
}

/// `reduce` and `aggregate`: folds each record into its key's current aggregate (the
/// initializer's value for a key seen first) and emits the new aggregate.
final class AggregatorFunction<K: Serde, V: Serde, A: Serde>: NodeFunction, @unchecked Sendable {
    let decoder: RecordDecoder<K, V>
    let aggregateSerde: A
    let initializer: (() throws -> A.Value)?
    let aggregator: (K.Value, V.Value, A.Value) throws -> A.Value

    init(
        _ decoder: RecordDecoder<K, V>, aggregate: A, initializer: (() throws -> A.Value)?,
        _ aggregator: @escaping (K.Value, V.Value, A.Value) throws -> A.Value
    ) {
        self.decoder = decoder
        self.aggregateSerde = aggregate
        self.initializer = initializer
        self.aggregator = aggregator
    }

    override func apply(_ call: NodeCall) throws {
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
            let next = try aggregator(key, value, current)
            try call.emitValue(index, next, aggregateSerde)
        }
    }
}

/// An aggregation met a record with a null key (the host skips those; this guards the ABI).
struct NullKeyError: Error, CustomStringConvertible {
    var description: String { "the record has a null key, which an aggregation cannot group" }
}
