// Joins of a stream with another stream (windowed), a table, or a global table (Kafka
// Streams' `KStream.join`/`leftJoin`/`outerJoin`). A stream whose key may have changed
// is repartitioned by its key first, so that both inputs of a join are partitioned alike.

extension KStream {
    // MARK: - Stream–stream

    /// Joins each record with the records of `other` with the same key within `windows`;
    /// `joiner` makes each result's value. A result takes the larger timestamp of its two records.
    @inlinable
    public func join<V2: Serde, VR: Serde>(
        _ other: KStream<K, V2>, _ windows: JoinWindows, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value, V2.Value) throws -> VR.Value
    ) -> KStream<K, VR> {
        streamJoin(other, windows, .inner, "KSTREAM-JOIN", name, value) { left, right in
            try joiner(try present(left, "left"), try present(right, "right"))
        }
    }

    /// As ``join(_:_:value:named:_:)``, and a record that found no partner by the time its
    /// window closes is joined with nil (never earlier).
    @inlinable
    public func leftJoin<V2: Serde, VR: Serde>(
        _ other: KStream<K, V2>, _ windows: JoinWindows, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value, V2.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        streamJoin(other, windows, .left, "KSTREAM-LEFTJOIN", name, value) { left, right in
            try joiner(try present(left, "left"), right)
        }
    }

    /// As ``leftJoin(_:_:value:named:_:)``, for records of either side without a partner.
    @inlinable
    public func outerJoin<V2: Serde, VR: Serde>(
        _ other: KStream<K, V2>, _ windows: JoinWindows, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value?, V2.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        streamJoin(other, windows, .outer, "KSTREAM-OUTERJOIN", name, value, joiner)
    }

    // MARK: - Stream–table

    /// Joins each record with `table`'s current value of its key; records whose key the
    /// table does not hold are dropped. Table updates emit nothing.
    @inlinable
    public func join<V2: Serde, VR: Serde>(
        _ table: KTable<K, V2>, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value, V2.Value) throws -> VR.Value
    ) -> KStream<K, VR> {
        tableJoin(table, .inner, "KSTREAM-JOIN", name, value) { left, right in
            try joiner(try present(left, "left"), try present(right, "right"))
        }
    }

    /// As ``join(_:value:named:_:)``, and a record whose key the table does not hold is joined with nil.
    @inlinable
    public func leftJoin<V2: Serde, VR: Serde>(
        _ table: KTable<K, V2>, value: VR, named name: String? = nil,
        _ joiner: @escaping (V.Value, V2.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        tableJoin(table, .left, "KSTREAM-LEFTJOIN", name, value) { left, right in
            try joiner(try present(left, "left"), right)
        }
    }

    // MARK: - Stream–global table

    /// Joins each record with the global table's value of the key `keySelector` picks from
    /// the record; the result keeps the stream's key. Needs no co-partitioning.
    @inlinable
    public func join<GK: Serde, GV: Serde, VR: Serde>(
        _ table: GlobalKTable<GK, GV>, value: VR, named name: String? = nil,
        keySelector: @escaping (K.Value?, V.Value) throws -> GK.Value,
        _ joiner: @escaping (V.Value, GV.Value) throws -> VR.Value
    ) -> KStream<K, VR> {
        globalJoin(table, .inner, "KSTREAM-JOIN", name, value, keySelector) { left, right in
            try joiner(try present(left, "left"), try present(right, "right"))
        }
    }

    /// As ``join(_:value:named:keySelector:_:)``, and a record whose key the table does not hold is joined with nil.
    @inlinable
    public func leftJoin<GK: Serde, GV: Serde, VR: Serde>(
        _ table: GlobalKTable<GK, GV>, value: VR, named name: String? = nil,
        keySelector: @escaping (K.Value?, V.Value) throws -> GK.Value,
        _ joiner: @escaping (V.Value, GV.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        globalJoin(table, .left, "KSTREAM-LEFTJOIN", name, value, keySelector) { left, right in
            try joiner(try present(left, "left"), right)
        }
    }

    // MARK: - Internals

    /// This stream, repartitioned by its key first when the key may have changed.
    @usableFromInline
    func partitionedByKey(_ joinName: String, side: String) -> KStream {
        keyChanged ? repartition(named: "\(joinName)-\(side)-repartition") : self
    }

    @usableFromInline
    func streamJoin<V2: Serde, VR: Serde>(
        _ other: KStream<K, V2>, _ windows: JoinWindows, _ type: TopologyNode.JoinType, _ prefix: String,
        _ name: String?, _ value: VR,
        _ joiner: @escaping (V.Value?, V2.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        let joinName = name ?? builder.generatedName(prefix)
        let left = partitionedByKey(joinName, side: "left")
        let right = other.partitionedByKey(joinName, side: "right")
        var stores = [
            StoreDeclaration.window(
                "\(joinName)-this-store", key: keySerde, value: BytesSerde(), windowSize: windows.size,
                retention: windows.retention),
            StoreDeclaration.window(
                "\(joinName)-other-store", key: keySerde, value: BytesSerde(), windowSize: windows.size,
                retention: windows.retention),
        ]
        if type != .inner {
            stores.append(.keyValue("\(joinName)-outer-store", key: BytesSerde(), value: BytesSerde()))
        }
        builder.add(
            TopologyNode(
                name: joinName, kind: .streamStreamJoin, parents: [left.node, right.node],
                function: .joiner(left: valueSerde, right: other.valueSerde, output: value, joiner), joinType: type,
                joinWindows: windows,
                joinStores: stores))
        return KStream<K, VR>(
            builder: builder, node: joinName, keySerde: keySerde, valueSerde: value, keyChanged: false)
    }

    @usableFromInline
    func tableJoin<V2: Serde, VR: Serde>(
        _ table: KTable<K, V2>, _ type: TopologyNode.JoinType, _ prefix: String, _ name: String?, _ value: VR,
        _ joiner: @escaping (V.Value?, V2.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        let joinName = name ?? builder.generatedName(prefix)
        let stream = partitionedByKey(joinName, side: "left")
        let materialized = table.materializedForJoin()
        builder.add(
            TopologyNode(
                name: joinName, kind: .streamTableJoin, parents: [stream.node, materialized.node],
                function: .joiner(left: valueSerde, right: table.valueSerde, output: value, joiner), joinType: type,
                joinStores: [materialized.store]))
        return KStream<K, VR>(
            builder: builder, node: joinName, keySerde: keySerde, valueSerde: value, keyChanged: false)
    }

    @usableFromInline
    func globalJoin<GK: Serde, GV: Serde, VR: Serde>(
        _ table: GlobalKTable<GK, GV>, _ type: TopologyNode.JoinType, _ prefix: String, _ name: String?, _ value: VR,
        _ keySelector: @escaping (K.Value?, V.Value) throws -> GK.Value,
        _ joiner: @escaping (V.Value?, GV.Value?) throws -> VR.Value
    ) -> KStream<K, VR> {
        let joinName = name ?? builder.generatedName(prefix)
        let selector = NodeFunction.emitting(decoder, rejectingTombstones: "a global table join's key selector") {
            k, v, call, index in
            try call.emitKey(index, try keySelector(k, v), table.keySerde)
        }
        builder.add(
            TopologyNode(
                name: joinName, kind: .streamGlobalJoin, parents: [node],
                function: .joiner(left: valueSerde, right: table.valueSerde, output: value, joiner), joinType: type,
                joinStores: [table.store], keySelector: selector))
        return KStream<K, VR>(
            builder: builder, node: joinName, keySerde: keySerde, valueSerde: value, keyChanged: keyChanged)
    }
}

/// The value of a join side the join guarantees present (an inner side); a host that passed
/// none broke the ABI's contract, which rejects the pair.
@inlinable
func present<T>(_ value: T?, _ side: String) throws -> T {
    guard let value else { throw NodeCallError(message: "the host passed no \(side) value to an inner side of a join") }
    return value
}
