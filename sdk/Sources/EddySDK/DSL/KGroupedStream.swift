/// A stream grouped by key, ready for an aggregation (Kafka Streams' `KGroupedStream`).
///
/// The aggregations keep one value per key in a host store: persistent, changelogged
/// (`<application.id>-<store>-changelog`), restored when its task moves, and queryable by
/// its name. Each emits every key's new value, a table's update stream. Records with a
/// null key or a null value are skipped and counted as dropped, as in Kafka Streams. If
/// the key may have changed since the records were partitioned by it, they are first
/// repartitioned through `<application.id>-<name>-repartition`, where the name is the one
/// given to `groupBy`/`groupByKey`, else the store's.
public struct KGroupedStream<K: Serde, V: Serde> {
    @usableFromInline let stream: KStream<K, V>
    @usableFromInline let repartitionName: String?

    @usableFromInline
    init(stream: KStream<K, V>, repartitionName: String?) {
        self.stream = stream
        self.repartitionName = repartitionName
    }

    /// The number of records per key, as 8-byte big-endian integers.
    @inlinable
    public func count(
        _ materialized: Materialized = Materialized(), named name: String? = nil
    ) -> KTable<K, BigEndianIntegerSerde<Int64>> {
        aggregation(.count, materialized, name, value: .int64, function: nil)
    }

    /// Combines the values of each key with `reducer(current, value)`; a key's first value
    /// is its first result.
    @inlinable
    public func reduce(
        _ materialized: Materialized = Materialized(), named name: String? = nil,
        _ reducer: @escaping (V.Value, V.Value) throws -> V.Value
    ) -> KTable<K, V> {
        let function = NodeFunction.aggregator(stream.decoder, aggregate: stream.valueSerde, initializer: nil) {
            _, value, current in
            try reducer(current, value)
        }
        return aggregation(.reduce, materialized, name, value: stream.valueSerde, function: function)
    }

    /// Folds the values of each key into an aggregate encoded with `aggregate`, starting
    /// from `initializer()` for a key seen first: `aggregator(key, value, current)`.
    @inlinable
    public func aggregate<A: Serde>(
        _ aggregate: A, _ materialized: Materialized = Materialized(), named name: String? = nil,
        initializer: @escaping () throws -> A.Value,
        _ aggregator: @escaping (K.Value, V.Value, A.Value) throws -> A.Value
    ) -> KTable<K, A> {
        let function = NodeFunction.aggregator(
            stream.decoder, aggregate: aggregate, initializer: initializer, aggregator)
        return aggregation(.aggregate, materialized, name, value: aggregate, function: function)
    }

    /// The stream in time windows (tumbling or hopping), for a windowed aggregation.
    @inlinable
    public func windowedBy(_ windows: TimeWindows) -> TimeWindowedKStream<K, V> {
        TimeWindowedKStream(
            grouped: self, window: TopologyNode.Window(windows), windowSize: windows.size,
            defaultRetention: windows.defaultRetention)
    }

    /// The stream in sliding windows, for a windowed aggregation.
    @inlinable
    public func windowedBy(_ windows: SlidingWindows) -> TimeWindowedKStream<K, V> {
        TimeWindowedKStream(
            grouped: self, window: TopologyNode.Window(windows), windowSize: windows.difference,
            defaultRetention: windows.defaultRetention)
    }

    /// The stream in session windows, for a session aggregation.
    @inlinable
    public func windowedBy(_ windows: SessionWindows) -> SessionWindowedKStream<K, V> {
        SessionWindowedKStream(grouped: self, windows: windows)
    }

    @usableFromInline
    func aggregation<A: Serde>(
        _ kind: TopologyNode.Kind, _ materialized: Materialized, _ name: String?, value: A, function: NodeFunction?
    ) -> KTable<K, A> {
        let builder = stream.builder
        let storeName = materialized.name ?? builder.generatedName("KSTREAM-AGGREGATE-STATE-STORE")
        let store = StoreDeclaration.keyValue(
            storeName, key: stream.keySerde, value: value, changelog: materialized.logging)
        let node = aggregationNode(
            kind, storeName: storeName, name: name, store: store, window: nil, function: function)
        return KTable(builder: builder, node: node, keySerde: stream.keySerde, valueSerde: value, storeName: storeName)
    }

    /// Adds an aggregation node (after a repartition when the key may have changed) and returns its name.
    @usableFromInline
    func aggregationNode(
        _ kind: TopologyNode.Kind, storeName: String, name: String?, store: StoreDeclaration,
        window: TopologyNode.Window?,
        function: NodeFunction?
    ) -> String {
        let builder = stream.builder
        let input = stream.keyChanged ? stream.repartition(named: repartitionName ?? storeName) : stream
        let nodeName = name ?? builder.generatedName("KSTREAM-AGGREGATE")
        builder.add(
            TopologyNode(
                name: nodeName, kind: kind, parents: [input.node], store: store, window: window, function: function))
        return nodeName
    }
}
