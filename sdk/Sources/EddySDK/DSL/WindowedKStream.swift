/// A grouped stream in time or sliding windows (Kafka Streams' `TimeWindowedKStream`): each
/// aggregation keeps one aggregate per key and window, in a window store (changelogged,
/// restored, windows kept `retention` behind stream time), and emits every update keyed by
/// `Windowed<K>` (the key's bytes and the window start, as Kafka Streams writes them). A
/// record later than its window's end plus the grace is dropped and counted as dropped.
public struct TimeWindowedKStream<K: Serde, V: Serde> {
    @usableFromInline let grouped: KGroupedStream<K, V>
    @usableFromInline let window: TopologyNode.Window
    /// How long a window is (time windows: the size; sliding: the time difference).
    @usableFromInline let windowSize: Int64
    @usableFromInline let defaultRetention: Int64

    @usableFromInline
    init(grouped: KGroupedStream<K, V>, window: TopologyNode.Window, windowSize: Int64, defaultRetention: Int64) {
        self.grouped = grouped
        self.window = window
        self.windowSize = windowSize
        self.defaultRetention = defaultRetention
    }

    /// The number of records per key and window.
    @inlinable
    public func count(
        _ materialized: Materialized = Materialized(), named name: String? = nil
    ) -> KTable<TimeWindowedSerde<K>, BigEndianIntegerSerde<Int64>> {
        windowed(.count, materialized, name, value: .int64, function: nil)
    }

    /// Combines the values of each key and window with `reducer(current, value)`.
    @inlinable
    public func reduce(
        _ materialized: Materialized = Materialized(), named name: String? = nil,
        _ reducer: @escaping (V.Value, V.Value) throws -> V.Value
    ) -> KTable<TimeWindowedSerde<K>, V> {
        let function = NodeFunction.aggregator(
            grouped.stream.decoder, aggregate: grouped.stream.valueSerde, initializer: nil
        ) { _, value, current in
            try reducer(current, value)
        }
        return windowed(.reduce, materialized, name, value: grouped.stream.valueSerde, function: function)
    }

    /// Folds the values of each key and window into an aggregate, from `initializer()`.
    @inlinable
    public func aggregate<A: Serde>(
        _ aggregate: A, _ materialized: Materialized = Materialized(), named name: String? = nil,
        initializer: @escaping () throws -> A.Value,
        _ aggregator: @escaping (K.Value, V.Value, A.Value) throws -> A.Value
    ) -> KTable<TimeWindowedSerde<K>, A> {
        let function = NodeFunction.aggregator(
            grouped.stream.decoder, aggregate: aggregate, initializer: initializer, aggregator)
        return windowed(.aggregate, materialized, name, value: aggregate, function: function)
    }

    @usableFromInline
    func windowed<A: Serde>(
        _ kind: TopologyNode.Kind, _ materialized: Materialized, _ name: String?, value: A, function: NodeFunction?
    ) -> KTable<TimeWindowedSerde<K>, A> {
        let stream = grouped.stream
        let storeName = materialized.name ?? stream.builder.generatedName("KSTREAM-AGGREGATE-STATE-STORE")
        let store = StoreDeclaration(
            name: storeName, kind: .window, keySerde: stream.keySerde.name, valueSerde: "timestamped:\(value.name)",
            changelog: materialized.logging, retentionMs: materialized.retention ?? defaultRetention,
            windowSizeMs: windowSize)
        let node = grouped.aggregationNode(
            kind, storeName: storeName, name: name, store: store, window: window, function: function)
        return KTable(
            builder: stream.builder, node: node, keySerde: TimeWindowedSerde(stream.keySerde, windowSize: windowSize),
            valueSerde: value,
            storeName: storeName, window: window)
    }
}

/// A grouped stream in session windows (Kafka Streams' `SessionWindowedKStream`): each
/// aggregation keeps one aggregate per key and session in a session store; a record that
/// bridges two sessions merges them (the merged-away sessions are retracted downstream with
/// tombstones of their windowed keys), and every update is keyed by `Windowed<K>` (the key's
/// bytes, then the session's end and start, as Kafka Streams writes them).
public struct SessionWindowedKStream<K: Serde, V: Serde> {
    @usableFromInline let grouped: KGroupedStream<K, V>
    @usableFromInline let windows: SessionWindows

    @usableFromInline
    init(grouped: KGroupedStream<K, V>, windows: SessionWindows) {
        self.grouped = grouped
        self.windows = windows
    }

    /// The number of records per key and session.
    @inlinable
    public func count(
        _ materialized: Materialized = Materialized(), named name: String? = nil
    ) -> KTable<SessionWindowedSerde<K>, BigEndianIntegerSerde<Int64>> {
        sessions(.count, materialized, name, value: .int64, function: nil)
    }

    /// Combines the values of each key and session with `reducer(current, value)`; merged
    /// sessions combine their aggregates with the reducer too.
    @inlinable
    public func reduce(
        _ materialized: Materialized = Materialized(), named name: String? = nil,
        _ reducer: @escaping (V.Value, V.Value) throws -> V.Value
    ) -> KTable<SessionWindowedSerde<K>, V> {
        let function = NodeFunction.aggregator(
            grouped.stream.decoder, aggregate: grouped.stream.valueSerde, initializer: nil,
            merger: { _, left, right in try reducer(left, right) }
        ) { _, value, current in try reducer(current, value) }
        return sessions(.reduce, materialized, name, value: grouped.stream.valueSerde, function: function)
    }

    /// Folds the values of each key and session into an aggregate, from `initializer()`;
    /// `merger(key, left, right)` combines the aggregates of sessions a record bridges.
    @inlinable
    public func aggregate<A: Serde>(
        _ aggregate: A, _ materialized: Materialized = Materialized(), named name: String? = nil,
        initializer: @escaping () throws -> A.Value, merger: @escaping (K.Value, A.Value, A.Value) throws -> A.Value,
        _ aggregator: @escaping (K.Value, V.Value, A.Value) throws -> A.Value
    ) -> KTable<SessionWindowedSerde<K>, A> {
        let function = NodeFunction.aggregator(
            grouped.stream.decoder, aggregate: aggregate, initializer: initializer, merger: merger, aggregator)
        return sessions(.aggregate, materialized, name, value: aggregate, function: function)
    }

    @usableFromInline
    func sessions<A: Serde>(
        _ kind: TopologyNode.Kind, _ materialized: Materialized, _ name: String?, value: A, function: NodeFunction?
    ) -> KTable<SessionWindowedSerde<K>, A> {
        let stream = grouped.stream
        let storeName = materialized.name ?? stream.builder.generatedName("KSTREAM-AGGREGATE-STATE-STORE")
        let store = StoreDeclaration(
            name: storeName, kind: .session, keySerde: stream.keySerde.name, valueSerde: value.name,
            changelog: materialized.logging,
            retentionMs: materialized.retention ?? windows.defaultRetention, windowSizeMs: 0)
        let window = TopologyNode.Window(windows)
        let node = grouped.aggregationNode(
            kind, storeName: storeName, name: name, store: store, window: window, function: function)
        return KTable(
            builder: stream.builder, node: node, keySerde: SessionWindowedSerde(stream.keySerde), valueSerde: value,
            storeName: storeName,
            window: window)
    }
}
