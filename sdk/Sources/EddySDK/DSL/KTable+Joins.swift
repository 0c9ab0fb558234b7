// Table–table joins (Kafka Streams' `KTable.join`/`leftJoin`/`outerJoin`): an update of
// either side looks its key up in the other side's store and emits the joined value, or a
// tombstone where the join no longer holds.

extension KTable {
    /// Joins the two tables on their keys: a key is in the result while both hold it.
    @inlinable
    public func join<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value, V2.Value) throws -> VR.Value
    ) -> KTable<K, VR> {
        tableJoin(other, .inner, "KTABLE-JOIN", name, value) { left, right in
            try joiner(try present(left, "left"), try present(right, "right"))
        }
    }

    /// A key is in the result while this table holds it, joined with nil when `other` does not.
    @inlinable
    public func leftJoin<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value, V2.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        tableJoin(other, .left, "KTABLE-LEFTJOIN", name, value) { left, right in
            try joiner(try present(left, "left"), right)
        }
    }

    /// A key is in the result while either table holds it.
    @inlinable
    public func outerJoin<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value?, V2.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        tableJoin(other, .outer, "KTABLE-OUTERJOIN", name, value, joiner)
    }

    /// Joins each entry with the entry of `other` whose key `foreignKey` picks from its value
    /// (Kafka Streams' foreign-key join): the result is keyed by this table's key, and is
    /// updated when either entry changes; a key is in the result while its entry and the one
    /// it refers to exist. Runs through two internal topics (subscriptions to the foreign
    /// key's partition, responses back), which need no co-partitioning of the two tables.
    /// An entry whose `foreignKey` is nil refers to nothing: it has no result (one it had is
    /// retracted).
    @inlinable
    public func join<KO: Serde, VO: Serde, VR: Serde>(
        _ other: KTable<KO, VO>, value: VR, named name: String? = nil,
        foreignKey: @escaping (V.Value) throws -> KO.Value?,
        _ joiner: @escaping (V.Value, VO.Value) throws -> VR.Value
    ) -> KTable<K, VR> {
        foreignKeyJoin(other, .inner, name, value, foreignKey) { left, right in
            try joiner(try present(left, "left"), try present(right, "right"))
        }
    }

    /// As ``join(_:value:named:foreignKey:_:)``, and an entry whose foreign key `other` does
    /// not hold — or whose `foreignKey` is nil, as in Kafka Streams 3.7+ (KIP-962) — is joined
    /// with nil.
    @inlinable
    public func leftJoin<KO: Serde, VO: Serde, VR: Serde>(
        _ other: KTable<KO, VO>, value: VR, named name: String? = nil,
        foreignKey: @escaping (V.Value) throws -> KO.Value?,
        _ joiner: @escaping (V.Value, VO.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        foreignKeyJoin(other, .left, name, value, foreignKey) { left, right in
            try joiner(try present(left, "left"), right)
        }
    }

    // MARK: - Internals

    @usableFromInline
    func foreignKeyJoin<KO: Serde, VO: Serde, VR: Serde>(
        _ other: KTable<KO, VO>, _ type: TopologyNode.JoinType, _ name: String?, _ value: VR,
        _ foreignKey: @escaping (V.Value) throws -> KO.Value?,
        _ joiner: @escaping (V.Value?, VO.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        let joinName = name ?? builder.generatedName("KTABLE-FK-JOIN")
        let left = materializedForJoin()
        let right = other.materializedForJoin()
        let extractor = NodeFunction.emitting(decoder.valuesOnly, rejectingTombstones: "a foreign-key extractor") {
            _, v, call, index in
            if let key = try foreignKey(v) {
                try call.emitKey(index, key, other.keySerde)
            } else {
                try call.emitNoKey(index)
            }
        }
        builder.add(
            TopologyNode(
                name: joinName, kind: .foreignKeyJoin, parents: [left.node, right.node],
                function: .joiner(left: valueSerde, right: other.valueSerde, output: value, joiner), joinType: type,
                joinStores: [left.store, right.store], keySelector: extractor))
        return KTable<K, VR>(builder: builder, node: joinName, keySerde: keySerde, valueSerde: value, storeName: nil)
    }

    /// This table with a store a join can read: itself when materialized, else its updates
    /// materialized by a `toTable` node in a store of their own.
    @usableFromInline
    func materializedForJoin() -> (node: String, store: StoreDeclaration) {
        if let storeName {
            return (node, StoreDeclaration.keyValue(storeName, key: keySerde, value: valueSerde))
        }
        let name = builder.generatedName("KTABLE-MATERIALIZE")
        let store = StoreDeclaration.keyValue("\(name)-store", key: keySerde, value: valueSerde)
        builder.add(TopologyNode(name: name, kind: .toTable, parents: [node], store: store))
        return (name, store)
    }

    @usableFromInline
    func tableJoin<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, _ type: TopologyNode.JoinType, _ prefix: String, _ name: String?, _ value: VR,
        _ joiner: @escaping (V.Value?, V2.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        let joinName = name ?? builder.generatedName(prefix)
        let left = materializedForJoin()
        let right = other.materializedForJoin()
        builder.add(
            TopologyNode(
                name: joinName, kind: .tableTableJoin, parents: [left.node, right.node],
                function: .joiner(left: valueSerde, right: other.valueSerde, output: value, joiner), joinType: type,
                joinStores: [left.store, right.store]))
        return KTable<K, VR>(builder: builder, node: joinName, keySerde: keySerde, valueSerde: value, storeName: nil)
    }
}
