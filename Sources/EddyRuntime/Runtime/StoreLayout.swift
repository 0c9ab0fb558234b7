import EddyHost
import EddyPlugins

/// Which stores each sub-topology's tasks hold: the key-value stores its plugin processors
/// declare, with the options the application's `stores:` section gives them.
enum StoreLayout {
    struct Store: Equatable {
        var name: String
        var logged: Bool
        var persistent: Bool
        var keySerde: String
        var valueSerde: String
    }

    /// The key-value stores of `sub`'s processors and built-in aggregations.
    static func stores(of sub: Topology.SubTopology, config: AppConfig, plugins: PluginSet) -> [Store] {
        var result: [Store] = []
        for node in sub.nodes {
            if case .aggregate(let spec) = node.kind {
                let options = config.topology.stores.first { $0.name == spec.store }
                result.append(Store(
                    name: spec.store, logged: options?.logged ?? true, persistent: options?.persistent ?? true,
                    keySerde: "bytes", valueSerde: spec.operation == .count ? "long" : "json"))
                continue
            }
            guard case .plugin(let plugin, let processor, _) = node.kind,
                let description = plugins.plugins[plugin]?.processor(named: processor)
            else { continue }
            for declaration in description.stores where declaration.kind == .keyValue && !result.contains(where: { $0.name == declaration.name }) {
                let options = config.topology.stores.first { $0.name == declaration.name }
                result.append(Store(
                    name: declaration.name, logged: options?.logged ?? declaration.changelog,
                    persistent: options?.persistent ?? true, keySerde: declaration.keySerde, valueSerde: declaration.valueSerde))
            }
        }
        return result
    }

    /// Every store name is declared by processors of one sub-topology only, and every entry of
    /// the `stores:` section names a store some processor declares.
    static func validate(_ topology: Topology, config: AppConfig, plugins: PluginSet) throws(AppConfigError) {
        var owner: [String: (sub: Int, node: String)] = [:]
        for sub in topology.subTopologies {
            for node in sub.nodes {
                if let store = node.kind.aggregateStore {
                    if let first = owner[store] {
                        throw AppConfigError(
                            file: config.file, line: nil, key: "topology.processors",
                            message: "store '\(store)' is declared by '\(first.node)' and '\(node.name)' — each aggregation needs a store of its own")
                    }
                    owner[store] = (sub.id, node.name)
                    continue
                }
                guard case .plugin(let plugin, let processor, _) = node.kind,
                    let description = plugins.plugins[plugin]?.processor(named: processor)
                else { continue }
                for declaration in description.stores {
                    if let first = owner[declaration.name], first.sub != sub.id {
                        throw AppConfigError(
                            file: config.file, line: nil, key: "topology.processors",
                            message: "store '\(declaration.name)' is declared by '\(first.node)' and '\(node.name)', which run in different sub-topologies — a store belongs to one sub-topology; rename one of them")
                    }
                    owner[declaration.name] = (sub.id, node.name)
                }
            }
        }
        for (index, store) in config.topology.stores.enumerated() where owner[store.name] == nil {
            let known = owner.keys.sorted().joined(separator: ", ")
            throw AppConfigError(
                file: config.file, line: store.line, key: "topology.stores[\(index)].name",
                message: "no processor declares a store '\(store.name)' (declared stores: \(known.isEmpty ? "none" : known))")
        }
    }
}
