/// A stream of records (Kafka Streams' `KStream`): every record is an independent event.
///
/// Keys are decoded with the stream's key serde and are optional (Kafka keys may be null);
/// values are decoded with its value serde. A record with a null value (a tombstone, as a
/// table's `toStream()` emits for a deleted key) passes through `filter`, `filterNot`,
/// `mapValues`, `flatMapValues` and `peek` unchanged, without calling their closures;
/// `map`, `flatMap`, `selectKey`, `groupBy` and `split`, which need the value to choose a key
/// or a branch, reject it: it goes where the application's error policy says (the
/// dead-letter topic by default), with the reason. Aggregations skip it.
///
/// A closure that throws rejects the record at hand the same way; the other records go on.
/// Operators that change the key mark the stream, so that a later `groupByKey` repartitions
/// it first, as Kafka Streams does.
public struct KStream<K: Serde, V: Serde> {
    @usableFromInline let builder: StreamsBuilder
    /// The node whose output this stream is.
    public let node: String
    public let keySerde: K
    public let valueSerde: V
    /// Whether the key may have changed since the records were last partitioned by it.
    @usableFromInline let keyChanged: Bool

    @usableFromInline var decoder: RecordDecoder<K, V> { RecordDecoder(keySerde: keySerde, valueSerde: valueSerde) }

    @usableFromInline
    init(builder: StreamsBuilder, node: String, keySerde: K, valueSerde: V, keyChanged: Bool) {
        self.builder = builder
        self.node = node
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.keyChanged = keyChanged
    }

    // MARK: - Stateless

    /// Keeps the records for which `predicate` is true.
    @inlinable
    public func filter(named name: String? = nil, _ predicate: @escaping (K.Value?, V.Value) throws -> Bool) -> KStream
    {
        next(.filter, "KSTREAM-FILTER", name, function: NodeFunction.predicate(decoder, passing: 1, predicate))
    }

    /// Keeps the records for which `predicate` is false.
    @inlinable
    public func filterNot(named name: String? = nil, _ predicate: @escaping (K.Value?, V.Value) throws -> Bool)
        -> KStream
    {
        next(
            .filter, "KSTREAM-FILTER", name, flags: .negate,
            function: NodeFunction.predicate(decoder, passing: 0, predicate))
    }

    /// Replaces each record's key and value; the key may change.
    @inlinable
    public func map<K2: Serde, V2: Serde>(
        key: K2, value: V2, named name: String? = nil,
        _ mapper: @escaping (K.Value?, V.Value) throws -> (K2.Value, V2.Value)
    ) -> KStream<K2, V2> {
        let function = NodeFunction.emitting(decoder, rejectingTombstones: "map") { k, v, call, index in
            let (newKey, newValue) = try mapper(k, v)
            try call.emit(index, key: newKey, key, value: newValue, value)
        }
        return next(.map, "KSTREAM-MAP", name, key: key, value: value, keyChanged: true, function: function)
    }

    /// Replaces each record by any number of records; keys may change.
    @inlinable
    public func flatMap<K2: Serde, V2: Serde>(
        key: K2, value: V2, named name: String? = nil,
        _ mapper: @escaping (K.Value?, V.Value) throws -> [(K2.Value, V2.Value)]
    ) -> KStream<K2, V2> {
        let function = NodeFunction.emitting(decoder, rejectingTombstones: "flatMap") { k, v, call, index in
            for (newKey, newValue) in try mapper(k, v) {
                try call.emit(index, key: newKey, key, value: newValue, value)
            }
        }
        return next(.flatMap, "KSTREAM-FLATMAP", name, key: key, value: value, keyChanged: true, function: function)
    }

    /// Replaces each record's value; the key stays.
    @inlinable
    public func mapValues<V2: Serde>(
        _ value: V2, named name: String? = nil, _ mapper: @escaping (V.Value) throws -> V2.Value
    ) -> KStream<K, V2> {
        let function = NodeFunction.emitting(decoder.valuesOnly) { _, v, call, index in
            try call.emitValue(index, try mapper(v), value)
        }
        return next(
            .mapValues, "KSTREAM-MAPVALUES", name, key: keySerde, value: value, keyChanged: keyChanged,
            function: function)
    }

    /// Replaces each record's value, computed from its key and value; the key stays.
    @inlinable
    public func mapValues<V2: Serde>(
        _ value: V2, named name: String? = nil, _ mapper: @escaping (K.Value?, V.Value) throws -> V2.Value
    ) -> KStream<K, V2> {
        let function = NodeFunction.emitting(decoder) { k, v, call, index in
            try call.emitValue(index, try mapper(k, v), value)
        }
        return next(
            .mapValues, "KSTREAM-MAPVALUES", name, key: keySerde, value: value, keyChanged: keyChanged,
            function: function)
    }

    /// Replaces each record by any number of records with the same key.
    @inlinable
    public func flatMapValues<V2: Serde>(
        _ value: V2, named name: String? = nil, _ mapper: @escaping (V.Value) throws -> [V2.Value]
    ) -> KStream<K, V2> {
        let function = NodeFunction.emitting(decoder.valuesOnly) { _, v, call, index in
            for output in try mapper(v) { try call.emitValue(index, output, value) }
        }
        return next(
            .flatMapValues, "KSTREAM-FLATMAPVALUES", name, key: keySerde, value: value, keyChanged: keyChanged,
            function: function)
    }

    /// Replaces each record by any number of records with the same key, computed from its key and value.
    @inlinable
    public func flatMapValues<V2: Serde>(
        _ value: V2, named name: String? = nil, _ mapper: @escaping (K.Value?, V.Value) throws -> [V2.Value]
    ) -> KStream<K, V2> {
        let function = NodeFunction.emitting(decoder) { k, v, call, index in
            for output in try mapper(k, v) { try call.emitValue(index, output, value) }
        }
        return next(
            .flatMapValues, "KSTREAM-FLATMAPVALUES", name, key: keySerde, value: value, keyChanged: keyChanged,
            function: function)
    }

    /// Gives each record a new key computed from its key and value; the value stays.
    @inlinable
    public func selectKey<K2: Serde>(
        _ key: K2, named name: String? = nil, _ selector: @escaping (K.Value?, V.Value) throws -> K2.Value
    ) -> KStream<K2, V> {
        let function = NodeFunction.emitting(decoder, rejectingTombstones: "selectKey") { k, v, call, index in
            try call.emitKey(index, try selector(k, v), key)
        }
        return next(
            .selectKey, "KSTREAM-KEY-SELECT", name, key: key, value: valueSerde, keyChanged: true, function: function)
    }

    /// Calls `action` with each record and passes the records on unchanged.
    @inlinable
    public func peek(named name: String? = nil, _ action: @escaping (K.Value?, V.Value) throws -> Void) -> KStream {
        next(.peek, "KSTREAM-PEEK", name, function: NodeFunction.action(decoder, action))
    }

    /// Calls `action` with each record; the stream ends here.
    @inlinable
    public func foreach(named name: String? = nil, _ action: @escaping (K.Value?, V.Value) throws -> Void) {
        _ = next(.foreach, "KSTREAM-FOREACH", name, function: NodeFunction.action(decoder, action))
    }

    /// Splits the stream into named branches (Kafka Streams' `split()`): add branches with
    /// ``BranchedKStream/branch(_:_:)`` and finish with ``BranchedKStream/defaultBranch(_:)``
    /// or ``BranchedKStream/noDefaultBranch()``. A record goes to the first branch whose
    /// predicate holds.
    @inlinable
    public func split(named name: String? = nil) -> BranchedKStream<K, V> {
        BranchedKStream(parent: self, name: name ?? builder.generatedName("KSTREAM-BRANCH"))
    }

    /// One stream of the records of this stream and of `other`, as they come.
    @inlinable
    public func merge(_ other: KStream<K, V>, named name: String? = nil) -> KStream<K, V> {
        let merged = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KSTREAM-MERGE"), kind: .passthrough, parents: [node, other.node]))
        return KStream(
            builder: builder, node: merged, keySerde: keySerde, valueSerde: valueSerde,
            keyChanged: keyChanged || other.keyChanged)
    }

    /// Runs a processor of the Processor API on every record; what it forwards is the new
    /// stream, whose keys and values it encodes with `key` and `value`. The processor is
    /// exported with the plugin. Its output counts as re-keyed.
    @inlinable
    public func process<P: Processor, K2: Serde, V2: Serde>(
        _ processor: P.Type, key: K2, value: V2, named name: String? = nil
    ) -> KStream<K2, V2> {
        builder.register(processor)
        let processed = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KSTREAM-PROCESSOR"), kind: .processor, parents: [node],
                processor: P.name))
        return KStream<K2, V2>(builder: builder, node: processed, keySerde: key, valueSerde: value, keyChanged: true)
    }

    /// Writes the stream to an internal topic (`<application.id>-<name>-repartition`) and
    /// reads it back, partitioned by the current key.
    @inlinable
    public func repartition(named name: String? = nil, partitions: Int32 = 0) -> KStream {
        let repartitioned = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KSTREAM-REPARTITION"), kind: .repartition, parents: [node],
                keySerde: keySerde.name, valueSerde: valueSerde.name, partitions: partitions))
        return KStream(
            builder: builder, node: repartitioned, keySerde: keySerde, valueSerde: valueSerde, keyChanged: false)
    }

    /// Writes the stream to `topic` with the stream's serdes; the stream ends here.
    @inlinable
    public func to(_ topic: String, named name: String? = nil) {
        builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KSTREAM-SINK"), kind: .sink, parents: [node], topics: [topic],
                keySerde: keySerde.name, valueSerde: valueSerde.name))
    }

    // MARK: - Tables and grouping

    /// The stream as a table: each record is the latest value of its key, a null value
    /// deletes the key. Kept in a store (repartitioned first if the key changed).
    @inlinable
    public func toTable(_ materialized: Materialized = Materialized(), named name: String? = nil) -> KTable<K, V> {
        let input = keyChanged ? repartition(named: (materialized.name ?? name).map { "\($0)-repartition" }) : self
        let nodeName = name ?? builder.generatedName("KSTREAM-TOTABLE")
        let store = StoreDeclaration.keyValue(
            materialized.name ?? builder.generatedName("KSTREAM-TOTABLE-STATE-STORE"), key: keySerde, value: valueSerde,
            changelog: materialized.logging)
        builder.add(TopologyNode(name: nodeName, kind: .toTable, parents: [input.node], store: store))
        return KTable(
            builder: builder, node: nodeName, keySerde: keySerde, valueSerde: valueSerde, storeName: store.name)
    }

    /// Groups the records by their key, for an aggregation. The records are repartitioned
    /// first if an operator may have changed their key.
    @inlinable
    public func groupByKey(named name: String? = nil) -> KGroupedStream<K, V> {
        KGroupedStream(stream: self, repartitionName: name)
    }

    /// Groups the records by a new key computed from each record (Kafka Streams' `groupBy`):
    /// the records are re-keyed, then repartitioned by the new key before the aggregation.
    @inlinable
    public func groupBy<K2: Serde>(
        _ key: K2, named name: String? = nil, _ selector: @escaping (K.Value?, V.Value) throws -> K2.Value
    ) -> KGroupedStream<K2, V> {
        KGroupedStream(stream: selectKey(key, selector), repartitionName: name)
    }

    // MARK: - Internals

    /// A new node reading this stream, with the same types.
    @usableFromInline
    func next(
        _ kind: TopologyNode.Kind, _ prefix: String, _ name: String?, flags: TopologyNode.Flags = [],
        function: NodeFunction
    ) -> KStream {
        next(
            kind, prefix, name, key: keySerde, value: valueSerde, keyChanged: keyChanged, flags: flags,
            function: function)
    }

    /// A new node reading this stream, producing records of other types.
    @usableFromInline
    func next<K2: Serde, V2: Serde>(
        _ kind: TopologyNode.Kind, _ prefix: String, _ name: String?, key: K2, value: V2, keyChanged: Bool,
        flags: TopologyNode.Flags = [], function: NodeFunction
    ) -> KStream<K2, V2> {
        let added = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName(prefix), kind: kind, flags: flags, parents: [node],
                function: function))
        return KStream<K2, V2>(builder: builder, node: added, keySerde: key, valueSerde: value, keyChanged: keyChanged)
    }
}
