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

    @usableFromInline var decoder: RecordDecoder<K, V> { RecordDecoder(keySerde: keySerde, valueSerde: valueSerde) }

    @usableFromInline
    init(builder: StreamsBuilder, node: String, keySerde: K, valueSerde: V, storeName: String?) {
        self.builder = builder
        self.node = node
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.storeName = storeName
    }

    /// Keeps the entries for which `predicate` is true; an update that fails it is passed on
    /// as a tombstone of its key, so that downstream tables drop the key.
    @inlinable
    public func filter(named name: String? = nil, _ predicate: @escaping (K.Value, V.Value) throws -> Bool) -> KTable {
        tableFilter(name, [.table], predicate)
    }

    /// Keeps the entries for which `predicate` is false (updates that hold become tombstones).
    @inlinable
    public func filterNot(named name: String? = nil, _ predicate: @escaping (K.Value, V.Value) throws -> Bool) -> KTable {
        tableFilter(name, [.table, .negate], predicate)
    }

    /// A table of the same keys whose values are `mapper(value)`.
    @inlinable
    public func mapValues<V2: Serde>(
        _ value: V2, named name: String? = nil, _ mapper: @escaping (V.Value) throws -> V2.Value
    ) -> KTable<K, V2> {
        let function = NodeFunction.emitting(decoder.valuesOnly) { _, v, call, index in try call.emitValue(index, try mapper(v), value) }
        let added = builder.add(TopologyNode(
            name: name ?? builder.generatedName("KTABLE-MAPVALUES"), kind: .mapValues, flags: .table, parents: [node],
            function: function))
        return KTable<K, V2>(builder: builder, node: added, keySerde: keySerde, valueSerde: value, storeName: nil)
    }

    /// The table's update stream: one record per update, tombstones included.
    @inlinable
    public func toStream(named name: String? = nil) -> KStream<K, V> {
        let added = builder.add(TopologyNode(
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
        let added = builder.add(TopologyNode(
            name: name ?? builder.generatedName("KTABLE-FILTER"), kind: .filter, flags: flags, parents: [node], function: function))
        return KTable(builder: builder, node: added, keySerde: keySerde, valueSerde: valueSerde, storeName: nil)
    }
}
