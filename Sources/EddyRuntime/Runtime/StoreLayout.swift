import EddyEngine
import EddyHost
import EddyPlugins
import EddySDK
import EddyState

/// Which stores each sub-topology's tasks hold: the key-value, window and session stores its plugin
/// processors declare and its built-in aggregations use, with the options the application's
/// `stores:` section gives them.
enum StoreLayout {
    struct Store: Equatable {
        /// What kind of store, with what a window store's windows are.
        enum Kind: Equatable {
            case keyValue
            /// Windows `sizeMs` long, kept `retentionMs` behind stream time (the declaration's,
            /// or the `retention.ms` option's), in RocksDB segments `segmentIntervalMs` wide.
            /// The segment interval follows the declared retention only, so changing
            /// `retention.ms` never changes the layout of a store already on disk.
            case window(sizeMs: Int64, retentionMs: Int64, segmentIntervalMs: Int64)
            /// Sessions kept `retentionMs` behind stream time by their end (the declaration's,
            /// or the `retention.ms` option's), in segments `segmentIntervalMs` wide, which
            /// follow the declared retention only, as for windows.
            case session(retentionMs: Int64, segmentIntervalMs: Int64)
        }

        var name: String
        var kind: Kind = .keyValue
        /// Whether the store writes a changelog topic of its own (never for a source-topic store).
        var logged: Bool
        /// The source topic that serves as the store's changelog (a `builder.table` source's
        /// store, Kafka Streams' source-topic changelog): it writes no changelog, restores
        /// from this topic up to the source partition's committed offset, and checkpoints
        /// source-topic offsets.
        var sourceTopic: String? = nil
        var persistent: Bool
        var keySerde: String
        var valueSerde: String

        /// The configs of the store's changelog topic. Key-value changelogs are compacted;
        /// window and session changelogs are compacted and also deleted after the store's
        /// retention plus a day, as Kafka Streams does (its
        /// `windowstore.changelog.additional.retention.ms`), so expired windows and sessions
        /// do not stay in the topic forever.
        var changelogConfigs: [String: String] {
            switch kind {
            case .keyValue:
                return ["cleanup.policy": "compact"]
            case .window(_, let retentionMs, _), .session(let retentionMs, _):
                return [
                    "cleanup.policy": "compact,delete",
                    "retention.ms": String(retentionMs + Self.changelogAdditionalRetentionMs),
                ]
            }
        }

        /// How much longer than its store a window or session changelog keeps records: one day.
        static let changelogAdditionalRetentionMs: Int64 = 86_400_000
    }

    /// The stores of `sub`'s processors and stateful operators; `sourceChangelogs` is the
    /// topology's (store name → the source topic that is its changelog).
    static func stores(
        of sub: Topology.SubTopology, config: AppConfig, plugins: PluginSet, sourceChangelogs: [String: String] = [:]
    ) -> [Store] {
        var result: [Store] = []
        for node in sub.nodes {
            for declaration in declarations(of: node, plugins: plugins)
            where !result.contains(where: { $0.name == declaration.name }) {
                let options = config.topology.stores.first { $0.name == declaration.name }
                let kind: Store.Kind
                switch declaration.kind {
                case .keyValue:
                    kind = .keyValue
                case .window:
                    kind = .window(
                        sizeMs: declaration.windowSizeMs,
                        retentionMs: options?.retentionMs.map(Int64.init) ?? declaration.retentionMs,
                        segmentIntervalMs: WindowStateStore.defaultSegmentInterval(retentionMs: declaration.retentionMs)
                    )
                case .session:
                    kind = .session(
                        retentionMs: options?.retentionMs.map(Int64.init) ?? declaration.retentionMs,
                        segmentIntervalMs: EddyState.SessionStateStore.defaultSegmentInterval(
                            retentionMs: declaration.retentionMs))
                }
                let sourceTopic = sourceChangelogs[declaration.name]
                result.append(
                    Store(
                        name: declaration.name, kind: kind,
                        logged: sourceTopic == nil && (options?.logged ?? declaration.changelog),
                        sourceTopic: sourceTopic, persistent: options?.persistent ?? true,
                        keySerde: declaration.keySerde,
                        valueSerde: declaration.valueSerde))
            }
        }
        return result
    }

    /// The stores `node` owns: its operator's (a stream-stream join's three), or those its plugin processor declares.
    static func declarations(of node: Topology.Node, plugins: PluginSet) -> [StoreDeclaration] {
        let owned = node.kind.stores
        if !owned.isEmpty { return owned }
        guard case .processor(let plugin, let processor, _) = node.kind,
            let description = plugins.plugins[plugin]?.processor(named: processor)
        else { return [] }
        return description.stores
    }

    /// Every store name is declared by processors of one sub-topology only, and alike by all
    /// of them; window stores have positive window sizes and retentions, session stores
    /// positive retentions; and every entry of
    /// the `stores:` section names a store some processor declares, with options that fit it.
    static func validate(_ topology: Topology, config: AppConfig, plugins: PluginSet) throws(AppConfigError) {
        var owner: [String: (sub: Int, node: String, declaration: StoreDeclaration, operator: Bool, isolated: Bool)] =
            [:]
        for sub in topology.subTopologies {
            for node in sub.nodes {
                let isOperator = !node.kind.stores.isEmpty
                let isIsolated: Bool
                if case .processor(let plugin, _, _) = node.kind {
                    isIsolated = plugins.isolation.isolation(of: plugin) == .process
                } else {
                    isIsolated = false
                }
                for declaration in declarations(of: node, plugins: plugins) {
                    if let first = owner[declaration.name] {
                        // An isolated processor answers reads of its stores from what it read and
                        // wrote before (`StoreMirror`): another writer would leave it stale.
                        if first.isolated || isIsolated {
                            throw AppConfigError(
                                file: config.file, line: nil, key: "topology",
                                message:
                                    "nodes '\(first.node)' and '\(node.name)' both use store '\(declaration.name)', and one runs a processor of an isolated plugin — an isolated processor keeps what it read of its stores, so it must be their only user; give each node a processor with a store of its own, or run the plugin in_process"
                            )
                        }
                        if first.operator || isOperator {
                            throw AppConfigError(
                                file: config.file, line: nil, key: "topology.processors",
                                message:
                                    "store '\(declaration.name)' is declared by '\(first.node)' and '\(node.name)' — each aggregation needs a store of its own"
                            )
                        }
                        if first.sub != sub.id {
                            throw AppConfigError(
                                file: config.file, line: nil, key: "topology.processors",
                                message:
                                    "store '\(declaration.name)' is declared by '\(first.node)' and '\(node.name)', which run in different sub-topologies — a store belongs to one sub-topology; rename one of them"
                            )
                        }
                        if !PluginSet.declaresAlike(first.declaration, declaration) {
                            throw AppConfigError(
                                file: config.file, line: nil, key: "topology.processors",
                                message:
                                    "store '\(declaration.name)' is declared as \(PluginSet.describe(first.declaration)) by '\(first.node)' but as \(PluginSet.describe(declaration)) by '\(node.name)' — processors sharing a store must declare it alike"
                            )
                        }
                    }
                    if case .processor(let plugin, _, _) = node.kind {
                        try checkWindow(declaration, node: node.name, plugin: plugin, config: config)
                        try checkSession(declaration, node: node.name, plugin: plugin, config: config)
                    }
                    owner[declaration.name] = (sub.id, node.name, declaration, isOperator, isIsolated)
                }
            }
        }
        for global in topology.globalStores {
            if let first = owner[global.store.name] {
                throw AppConfigError(
                    file: config.file, line: nil, key: "topology.tables",
                    message:
                        "store '\(global.store.name)' is the store of global table \(global.topic) and is also declared by '\(first.node)' — give one of them another name"
                )
            }
        }
        for (index, store) in config.topology.stores.enumerated() {
            if let global = topology.globalStores.first(where: { $0.store.name == store.name }) {
                guard store.retentionMs == nil, store.logged != true else {
                    throw AppConfigError(
                        file: config.file, line: store.line, key: "topology.stores[\(index)]",
                        message:
                            "store '\(store.name)' is global table \(global.topic)'s, read from its topic and never changelogged; only `persistent:` applies — remove the other options"
                    )
                }
                continue
            }
            guard let found = owner[store.name] else {
                let known = owner.keys.sorted().joined(separator: ", ")
                throw AppConfigError(
                    file: config.file, line: store.line, key: "topology.stores[\(index)].name",
                    message:
                        "no processor declares a store '\(store.name)' (declared stores: \(known.isEmpty ? "none" : known))"
                )
            }
            guard let retention = store.retentionMs else { continue }
            let key = "topology.stores[\(index)].retention.ms"
            guard found.declaration.kind != .keyValue else {
                throw AppConfigError(
                    file: config.file, line: store.line, key: key,
                    message:
                        "store '\(store.name)' is a key-value store; retention.ms applies to window and session stores only — remove it"
                )
            }
            guard found.declaration.kind == .window else { continue }
            let declaration = found.declaration
            guard Int64(retention) >= declaration.windowSizeMs else {
                throw AppConfigError(
                    file: config.file, line: store.line, key: key,
                    message:
                        "\(retention) ms is shorter than the windows of store '\(store.name)' (\(declaration.windowSizeMs) ms), which would expire before they end — use at least \(declaration.windowSizeMs)"
                )
            }
        }
    }

    // MARK: - Private

    /// A session store needs a positive retention: from its declaration, or from the
    /// `stores:` section's `retention.ms`.
    private static func checkSession(_ declaration: StoreDeclaration, node: String, plugin: String, config: AppConfig)
        throws(AppConfigError)
    {
        guard declaration.kind == .session, declaration.retentionMs <= 0 else { return }
        guard !config.topology.stores.contains(where: { $0.name == declaration.name && $0.retentionMs != nil }) else {
            return
        }
        throw AppConfigError(
            file: config.file, line: nil, key: "topology.stores[].retention.ms",
            message:
                "node '\(node)' (plugin \(plugin)) declares session store '\(declaration.name)' with retention \(declaration.retentionMs) ms, which must be positive — give it one with {name: \(declaration.name), retention.ms: N} under topology.stores, or fix the plugin's store declaration"
        )
    }

    /// A window store needs a positive window size and retention.
    private static func checkWindow(_ declaration: StoreDeclaration, node: String, plugin: String, config: AppConfig)
        throws(AppConfigError)
    {
        guard declaration.kind == .window else { return }
        let overridden = config.topology.stores.contains { $0.name == declaration.name && $0.retentionMs != nil }
        if declaration.windowSizeMs <= 0 || (declaration.retentionMs <= 0 && !overridden) {
            throw AppConfigError(
                file: config.file, line: nil, key: "topology.processors",
                message:
                    "node '\(node)' (plugin \(plugin)) declares window store '\(declaration.name)' with window size \(declaration.windowSizeMs) ms and retention \(declaration.retentionMs) ms — both must be positive; fix the plugin's store declaration"
            )
        }
    }
}
