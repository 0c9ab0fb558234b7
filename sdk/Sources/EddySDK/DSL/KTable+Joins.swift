// Table–table joins (Kafka Streams' `KTable.join`/`leftJoin`/`outerJoin`): an update of
// either side looks its key up in the other side's store and emits the joined value, or a
// tombstone where the join no longer holds.

extension KTable {
    /// Joins the two tables on their keys: a key is in the result while both hold it.
    @inlinable
    public func join<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, value: VR, named name: String? = nil, _ joiner: @escaping (V.Value, V2.Value) throws -> VR.Value
    ) -> KTable<K, VR> {
        tableJoin(other, .inner, "KTABLE-JOIN", name, value) { left, right in try joiner(try present(left, "left"), try present(right, "right")) }
    }

    /// A key is in the result while this table holds it, joined with nil when `other` does not.
    @inlinable
    public func leftJoin<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, value: VR, named name: String? = nil, _ joiner: @escaping (V.Value, V2.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        tableJoin(other, .left, "KTABLE-LEFTJOIN", name, value) { left, right in try joiner(try present(left, "left"), right) }
    }

    /// A key is in the result while either table holds it.
    @inlinable
    public func outerJoin<V2: Serde, VR: Serde>(
        _ other: KTable<K, V2>, value: VR, named name: String? = nil, _ joiner: @escaping (V.Value?, V2.Value?) throws -> VR.Value
    ) -> KTable<K, VR> {
        tableJoin(other, .outer, "KTABLE-OUTERJOIN", name, value, joiner)
    }

    // MARK: - Internals

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
        builder.add(TopologyNode(
            name: joinName, kind: .tableTableJoin, parents: [left.node, right.node],
            function: .joiner(left: valueSerde, right: other.valueSerde, output: value, joiner), joinType: type,
            joinStores: [left.store, right.store]))
        return KTable<K, VR>(builder: builder, node: joinName, keySerde: keySerde, valueSerde: value, storeName: nil)
    }
}
