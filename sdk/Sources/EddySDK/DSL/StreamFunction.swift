/// A Streams DSL function a plugin exports by name, for an application file's nodes to call
/// (`{name: words, type: flat_map_values, function: WordCount.split-words, inputs: [lines]}`):
/// the same closures the DSL's operators take, decoded and encoded with the given serdes,
/// run by the host's operator of the node that names it.
///
/// ```swift
/// static let streamFunctions: [StreamFunction] = [
///     .flatMapValues("split-words", key: .bytes, value: .string, output: .string) { line in
///         line.lowercased().split(separator: " ").map(String.init)
///     },
/// ]
/// ```
public struct StreamFunction: Sendable {
    /// The node the plugin exports: a name, a function kind and the closure; no parents.
    public let node: TopologyNode

    @usableFromInline
    init(_ name: String, _ kind: TopologyNode.Kind, _ function: NodeFunction) {
        node = TopologyNode(name: name, kind: kind, parents: [], function: function)
    }

    /// For `filter` and `branch` nodes: whether a record is kept. Tombstones pass without it.
    @inlinable
    public static func filter<K: Serde, V: Serde>(
        _ name: String, key: K, value: V, _ predicate: @escaping (K.Value?, V.Value) throws -> Bool
    ) -> StreamFunction {
        StreamFunction(
            name, .filter,
            NodeFunction.predicate(RecordDecoder(keySerde: key, valueSerde: value), passing: 1, predicate))
    }

    /// For `map_values` nodes: a new value per record.
    @inlinable
    public static func mapValues<K: Serde, V: Serde, V2: Serde>(
        _ name: String, key: K, value: V, output: V2, _ mapper: @escaping (K.Value?, V.Value) throws -> V2.Value
    ) -> StreamFunction {
        StreamFunction(
            name, .mapValues,
            NodeFunction.emitting(RecordDecoder(keySerde: key, valueSerde: value)) { k, v, call, index in
                try call.emitValue(index, try mapper(k, v), output)
            })
    }

    /// For `flat_map_values` nodes: any number of values per record, each with the record's key.
    @inlinable
    public static func flatMapValues<K: Serde, V: Serde, V2: Serde>(
        _ name: String, key: K, value: V, output: V2, _ mapper: @escaping (V.Value) throws -> [V2.Value]
    ) -> StreamFunction {
        StreamFunction(
            name, .flatMapValues,
            NodeFunction.emitting(RecordDecoder(keySerde: key, valueSerde: value, usesKey: false)) {
                _, v, call, index in
                for output2 in try mapper(v) { try call.emitValue(index, output2, output) }
            })
    }

    /// For `map` nodes: a new key and value per record.
    @inlinable
    public static func map<K: Serde, V: Serde, K2: Serde, V2: Serde>(
        _ name: String, key: K, value: V, outputKey: K2, outputValue: V2,
        _ mapper: @escaping (K.Value?, V.Value) throws -> (K2.Value, V2.Value)
    ) -> StreamFunction {
        StreamFunction(
            name, .map,
            NodeFunction.emitting(RecordDecoder(keySerde: key, valueSerde: value), rejectingTombstones: "map") {
                k, v, call, index in
                let (newKey, newValue) = try mapper(k, v)
                try call.emit(index, key: newKey, outputKey, value: newValue, outputValue)
            })
    }

    /// For `flat_map` nodes: any number of records per record.
    @inlinable
    public static func flatMap<K: Serde, V: Serde, K2: Serde, V2: Serde>(
        _ name: String, key: K, value: V, outputKey: K2, outputValue: V2,
        _ mapper: @escaping (K.Value?, V.Value) throws -> [(K2.Value, V2.Value)]
    ) -> StreamFunction {
        StreamFunction(
            name, .flatMap,
            NodeFunction.emitting(RecordDecoder(keySerde: key, valueSerde: value), rejectingTombstones: "flatMap") {
                k, v, call, index in
                for (newKey, newValue) in try mapper(k, v) {
                    try call.emit(index, key: newKey, outputKey, value: newValue, outputValue)
                }
            })
    }

    /// For `select_key` and `group_by` nodes: a new key per record.
    @inlinable
    public static func selectKey<K: Serde, V: Serde, K2: Serde>(
        _ name: String, key: K, value: V, output: K2, _ selector: @escaping (K.Value?, V.Value) throws -> K2.Value
    ) -> StreamFunction {
        StreamFunction(
            name, .selectKey,
            NodeFunction.emitting(RecordDecoder(keySerde: key, valueSerde: value), rejectingTombstones: "selectKey") {
                k, v, call, index in
                try call.emitKey(index, try selector(k, v), output)
            })
    }

    /// For `aggregate` nodes: folds each value into its key's aggregate, from `initializer()`.
    /// Over session windows, `merger(key, left, right)` combines the aggregates of sessions a
    /// record bridges (an application file refuses session windows for an aggregate without one).
    @inlinable
    public static func aggregate<K: Serde, V: Serde, A: Serde>(
        _ name: String, key: K, value: V, aggregate: A, initializer: @escaping () throws -> A.Value,
        merger: ((K.Value, A.Value, A.Value) throws -> A.Value)? = nil,
        _ aggregator: @escaping (K.Value, V.Value, A.Value) throws -> A.Value
    ) -> StreamFunction {
        StreamFunction(
            name, .aggregate,
            NodeFunction.aggregator(
                RecordDecoder(keySerde: key, valueSerde: value), aggregate: aggregate, initializer: initializer,
                merger: merger, aggregator))
    }

    /// For `join` nodes (`joiner: Plugin.name`): the joined value of a pair, in place of the
    /// application file's JSON merge. The left value is nil only in an outer join without a
    /// left side, the right value nil when a left or outer join has no right side.
    @inlinable
    public static func joiner<L: Serde, R: Serde, VR: Serde>(
        _ name: String, left: L, right: R, output: VR, _ join: @escaping (L.Value?, R.Value?) throws -> VR.Value
    ) -> StreamFunction {
        StreamFunction(name, .joiner, NodeFunction.joiner(left: left, right: right, output: output, join))
    }

    /// For sources (`timestamp.extractor: Plugin.name`): each record's event time from its
    /// key, value (nil for a tombstone) and Kafka timestamp.
    @inlinable
    public static func timestampExtractor<K: Serde, V: Serde>(
        _ name: String, key: K, value: V, _ extract: @escaping (K.Value?, V.Value?, Int64) throws -> Int64
    ) -> StreamFunction {
        StreamFunction(name, .timestampExtractor, .timestamps(RecordDecoder(keySerde: key, valueSerde: value), extract))
    }

    /// For `reduce` nodes: combines each value with its key's current one (and, over session
    /// windows, the aggregates of sessions a record bridges).
    @inlinable
    public static func reduce<K: Serde, V: Serde>(
        _ name: String, key: K, value: V, _ reducer: @escaping (V.Value, V.Value) throws -> V.Value
    ) -> StreamFunction {
        StreamFunction(
            name, .reduce,
            NodeFunction.aggregator(
                RecordDecoder(keySerde: key, valueSerde: value), aggregate: value, initializer: nil,
                merger: { _, left, right in try reducer(left, right) }
            ) { _, v, current in
                try reducer(current, v)
            })
    }
}
