import EddySDK

/// The stores that materialize a `KTable` (a table source's, a `toTable`'s, an aggregation's
/// without windows) keep each value with its timestamp, as Kafka Streams'
/// `TimestampedKeyValueStore` does: a table's the timestamp of the update that wrote it, an
/// aggregation's the largest timestamp folded into the aggregate (windowed aggregations'
/// window stores are declared so where they are built; session stores keep no timestamps,
/// as Kafka Streams' do not). The stored bytes are the timestamp (8 bytes, big-endian) and then the value, and
/// the store declares its value serde as `timestamped:<serde>` — which the store's metadata
/// records, so a store written before in the plain layout is refused, not misread. Joins
/// read the timestamp to give a table–table result the larger of both sides' timestamps.
extension Topology {
    /// The prefix of a value serde whose stored values start with an 8-byte timestamp.
    public static let timestampedSerdePrefix = "timestamped:"

    /// Whether values stored under `valueSerde` start with their timestamp.
    public static func isTimestamped(valueSerde: String) -> Bool { valueSerde.hasPrefix(timestampedSerdePrefix) }
}

extension Topology.DeclaredNode {
    /// This node with its table store (a table source's, a `toTable`'s, or an aggregation's
    /// key-value store) declared in the timestamped layout; other nodes unchanged.
    var withTimestampedTableStore: Topology.DeclaredNode {
        var node = self
        switch node.node.kind {
        case .tableSource(let source, let store): node.node.kind = .tableSource(source, store.timestamped)
        case .toTable(let store): node.node.kind = .toTable(store.timestamped)
        case .aggregate(var aggregation) where aggregation.store.kind == .keyValue:
            aggregation.store = aggregation.store.timestamped
            node.node.kind = .aggregate(aggregation)
        default: break
        }
        return node
    }
}

extension StoreDeclaration {
    /// This declaration with values stored as `timestamped:<serde>` (unchanged when already so).
    var timestamped: StoreDeclaration {
        guard !Topology.isTimestamped(valueSerde: valueSerde) else { return self }
        return StoreDeclaration(
            name: name, kind: kind, keySerde: keySerde, valueSerde: Topology.timestampedSerdePrefix + valueSerde,
            changelog: changelog, retentionMs: retentionMs, windowSizeMs: windowSizeMs)
    }
}

extension Topology.SubTopology {
    /// The key-value stores of this sub-topology kept in the timestamped layout.
    public var timestampedTableStores: Set<String> {
        Set(
            nodes.flatMap(\.kind.stores).filter {
                $0.kind == .keyValue && Topology.isTimestamped(valueSerde: $0.valueSerde)
            }
            .map(\.name))
    }
}
