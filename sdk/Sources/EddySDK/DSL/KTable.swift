/// A table (Kafka Streams' `KTable`): the latest value per key, seen as its update stream.
/// A null value (a tombstone) deletes its key; table operators pass tombstones on without
/// calling their closures.
public struct KTable<K: Serde, V: Serde> {
    @usableFromInline let builder: StreamsBuilder
    /// The node whose output is the table's update stream.
    public let node: String
    public let keySerde: K
    public let valueSerde: V
    /// The store holding the table, for interactive queries and the test driver; nil when
    /// the table is not materialized (a filter or mapValues of another table).
    public let storeName: String?
    /// The windows of a windowed table (nil for a table per key).
    @usableFromInline let window: TopologyNode.Window?

    @usableFromInline var decoder: RecordDecoder<K, V> { RecordDecoder(keySerde: keySerde, valueSerde: valueSerde) }

    @usableFromInline
    init(
        builder: StreamsBuilder, node: String, keySerde: K, valueSerde: V, storeName: String?,
        window: TopologyNode.Window? = nil
    ) {
        self.builder = builder
        self.node = node
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.storeName = storeName
        self.window = window
    }

    /// Keeps the entries for which `predicate` is true; an update that fails it is passed on
    /// as a tombstone of its key, so that downstream tables drop the key.
    @inlinable
    public func filter(named name: String? = nil, _ predicate: @escaping (K.Value, V.Value) throws -> Bool) -> KTable {
        tableFilter(name, [.table], predicate)
    }

    /// Keeps the entries for which `predicate` is false (updates that hold become tombstones).
    @inlinable
    public func filterNot(named name: String? = nil, _ predicate: @escaping (K.Value, V.Value) throws -> Bool) -> KTable
    {
        tableFilter(name, [.table, .negate], predicate)
    }

    /// A table of the same keys whose values are `mapper(value)`.
    @inlinable
    public func mapValues<V2: Serde>(
        _ value: V2, named name: String? = nil, _ mapper: @escaping (V.Value) throws -> V2.Value
    ) -> KTable<K, V2> {
        let function = NodeFunction.emitting(decoder.valuesOnly) { _, v, call, index in
            try call.emitValue(index, try mapper(v), value)
        }
        let added = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KTABLE-MAPVALUES"), kind: .mapValues, flags: .table,
                parents: [node],
                function: function))
        return KTable<K, V2>(
            builder: builder, node: added, keySerde: keySerde, valueSerde: value, storeName: nil, window: window)
    }

    /// Holds the table's updates back (Kafka Streams' `suppress`): until each window closes
    /// (exactly one final result per window of a windowed table, when stream time passes its
    /// end plus its grace), or for a time limit after a key's first buffered update. The
    /// buffer is a changelogged store, so a crash under exactly-once neither loses nor repeats
    /// a final result.
    @inlinable
    public func suppress(_ suppressed: Suppressed, named name: String? = nil) -> KTable {
        let nodeName = name ?? builder.generatedName("KTABLE-SUPPRESS")
        let store = StoreDeclaration.keyValue(
            name.map { "\($0)-store" } ?? builder.generatedName("KTABLE-SUPPRESS-STATE-STORE"), key: BytesSerde(),
            value: BytesSerde())
        builder.add(
            TopologyNode(
                name: nodeName, kind: .suppress, parents: [node], store: store, window: window, suppress: suppressed))
        return KTable(
            builder: builder, node: nodeName, keySerde: keySerde, valueSerde: valueSerde, storeName: nil, window: window
        )
    }

    /// The table's update stream: one record per update, tombstones included.
    @inlinable
    public func toStream(named name: String? = nil) -> KStream<K, V> {
        let added = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KTABLE-TOSTREAM"), kind: .passthrough, parents: [node]))
        return KStream(builder: builder, node: added, keySerde: keySerde, valueSerde: valueSerde, keyChanged: false)
    }

    @usableFromInline
    func tableFilter(
        _ name: String?, _ flags: TopologyNode.Flags, _ predicate: @escaping (K.Value, V.Value) throws -> Bool
    ) -> KTable {
        let function = NodeFunction.predicate(decoder, passing: 1) { key, value in
            guard let key else { throw NullKeyError() }
            return try predicate(key, value)
        }
        let added = builder.add(
            TopologyNode(
                name: name ?? builder.generatedName("KTABLE-FILTER"), kind: .filter, flags: flags, parents: [node],
                function: function))
        return KTable(
            builder: builder, node: added, keySerde: keySerde, valueSerde: valueSerde, storeName: nil, window: window)
    }
}
