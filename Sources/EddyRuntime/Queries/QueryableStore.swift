import EddyEngine

/// A store interactive queries can read, as the topology declares it: its kind, its serdes,
/// and the sub-topology whose tasks hold it.
public struct QueryableStore: Sendable, Equatable {
    public enum Kind: String, Sendable {
        case keyValue = "key-value"
        case window
        case session
    }

    public var name: String
    public var kind: Kind
    /// The serde names of its keys and values (`string`, `i64`, `timestamped:i64`, …).
    public var keySerde: String
    public var valueSerde: String
    /// The sub-topology whose tasks hold the store: task `<subTopology>_<partition>`.
    public var subTopology: Int
    /// A window store's window size (ms).
    public var windowSizeMs: Int64?
}

extension StreamsApp {
    /// Every store of the topology, by name.
    public var queryableStores: [String: QueryableStore] {
        var stores: [String: QueryableStore] = [:]
        for sub in topology.subTopologies {
            for store in StoreLayout.stores(of: sub, config: config, plugins: plugins) {
                let kind: QueryableStore.Kind, size: Int64?
                switch store.kind {
                case .keyValue: (kind, size) = (.keyValue, nil)
                case .window(let sizeMs, _, _): (kind, size) = (.window, sizeMs)
                case .session: (kind, size) = (.session, nil)
                }
                stores[store.name] = QueryableStore(
                    name: store.name, kind: kind, keySerde: store.keySerde, valueSerde: store.valueSerde,
                    subTopology: sub.id,
                    windowSizeMs: size)
            }
        }
        return stores
    }

    /// The partition count of a sub-topology's input (the tasks it has), known once the
    /// worker started.
    public func partitionCount(ofSubTopology id: Int) -> Int32? {
        partitionCounts.withLock { $0[id] }
    }
}
