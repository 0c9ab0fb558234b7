import EddyHost
import EddySDK

extension Topology {
    /// The nodes of the topology plugin `plugin` (the name the application knows it by)
    /// exports, in the one topology form, checked against what each kind needs.
    ///
    /// - Parameter processorConfig: config per processor node, by node name, from the application.
    public static func declaredNodes(
        ofPlugin plugin: String, _ description: PluginDescription, processorConfig: [String: [String: String]] = [:]
    ) throws(TopologyError) -> [DeclaredNode] {
        guard let nodes = description.topology, !nodes.isEmpty else {
            throw TopologyError(
                TopologyError.Location("topology.plugin"),
                "plugin '\(plugin)' (\(description.name) \(description.version)) exports no topology — implement `static func topology(_ builder: StreamsBuilder)` in its Plugin type"
            )
        }
        var declared: [DeclaredNode] = []
        for node in nodes { declared += try declaredNodes(of: node) }
        return declared

        /// The nodes one exported node declares: itself, or a foreign-key join's steps.
        func declaredNodes(of node: NodeDescription) throws(TopologyError) -> [DeclaredNode] {
            let location = TopologyError.Location("plugin \(plugin), node \(node.name)")
            func refuse(_ message: String) -> TopologyError { TopologyError(location, message) }
            func function(_ operation: Operation) throws(TopologyError) -> Kind {
                guard node.hasFunction else {
                    throw refuse("a \(node.kind) node needs an apply entry, and it has none")
                }
                return .function(PluginFunction(plugin: plugin, node: node.name), operation)
            }
            func store() throws(TopologyError) -> StoreDeclaration {
                guard let store = node.store else {
                    throw refuse("a \(node.kind) node needs a store, and it declares none")
                }
                guard store.kind == .keyValue else {
                    throw refuse(
                        "its store \(store.name) is a \(store.kind) store; a \(node.kind) keeps a key-value store")
                }
                return store
            }
            guard !node.name.isEmpty else { throw refuse("a node has no name — every node needs one") }
            if [.source, .tableSource, .globalTable].contains(node.kind) {
                guard node.parents.isEmpty else {
                    throw refuse("a \(node.kind) reads topics, not other nodes, but it lists parents")
                }
            } else if node.parents.isEmpty {
                throw refuse("a \(node.kind) node needs at least one parent")
            }
            func window(_ description: eddy_window?) throws(TopologyError) -> Window? {
                guard let description else { return nil }
                guard description.size_ms > 0, description.grace_ms >= 0 else {
                    throw refuse(
                        "its windows have size \(description.size_ms) ms and grace \(description.grace_ms) ms; the size must be positive and the grace not negative"
                    )
                }
                switch description.type {
                case eddy_window_type(EDDY_WINDOW_TIME):
                    guard description.advance_ms > 0, description.advance_ms <= description.size_ms else {
                        throw refuse(
                            "its time windows advance by \(description.advance_ms) ms; the advance must be positive and at most the size (\(description.size_ms) ms)"
                        )
                    }
                    return Window(
                        .time(size: description.size_ms, advance: description.advance_ms), grace: description.grace_ms)
                case eddy_window_type(EDDY_WINDOW_SLIDING):
                    return Window(.sliding(difference: description.size_ms), grace: description.grace_ms)
                case eddy_window_type(EDDY_WINDOW_SESSION):
                    return Window(.session(gap: description.size_ms), grace: description.grace_ms)
                default: throw refuse("its window type \(description.type) is not one of eddy.h's EDDY_WINDOW_*")
                }
            }
            func aggregation(_ fold: Aggregation.Fold) throws(TopologyError) -> Kind {
                guard let store = node.store else {
                    throw refuse("a \(node.kind) node needs a store, and it declares none")
                }
                let windows = try window(node.window)
                let expected: StoreDeclaration.Kind
                switch windows?.kind {
                case nil: expected = .keyValue
                case .time?, .sliding?: expected = .window
                case .session?: expected = .session
                }
                guard store.kind == expected else {
                    throw refuse(
                        "its store \(store.name) is a \(store.kind) store; a \(node.kind) \(windows == nil ? "per key" : "in these windows") keeps a \(expected) store"
                    )
                }
                if case .session? = windows?.kind, node.kind == .aggregate, !node.hasMerge {
                    throw refuse(
                        "a session aggregate needs a merge entry to combine the sessions a record bridges, and it has none"
                    )
                }
                return .aggregate(Aggregation(fold: fold, store: store, window: windows))
            }
            func join() throws(TopologyError) -> Join {
                guard node.hasFunction else {
                    throw refuse("a join needs an apply entry (its joiner), and it has none")
                }
                guard let joinType = node.joinType else {
                    throw refuse("its join type \(node.entry.pointee.join_type) is not one of eddy.h's EDDY_JOIN_*")
                }
                let type: Join.JoinType =
                    switch joinType {
                    case .inner: .inner
                    case .left: .left
                    case .outer: .outer
                    }
                func stores(_ count: Int) throws(TopologyError) -> [StoreDeclaration] {
                    guard node.joinStores.count == count else {
                        throw refuse("a \(node.kind) names \(count) join stores; it names \(node.joinStores.count)")
                    }
                    return node.joinStores
                }
                let shape: Join.Shape
                switch node.kind {
                case .streamStreamJoin:
                    guard let windows = node.joinWindows, windows.before >= 0, windows.after >= 0, windows.grace >= 0
                    else {
                        throw refuse("its join windows must have before, after and grace of at least 0 ms")
                    }
                    let declared = try stores(type == .inner ? 2 : 3)
                    guard declared[0].kind == .window, declared[1].kind == .window,
                        type == .inner || declared[2].kind == .keyValue
                    else {
                        throw refuse(
                            "a stream-stream join keeps two window stores (and a key-value store for left and outer joins)"
                        )
                    }
                    shape = .streamStream(
                        windows, thisStore: declared[0], otherStore: declared[1],
                        outerStore: type == .inner ? nil : declared[2])
                case .streamTableJoin:
                    guard type != .outer else {
                        throw refuse("a stream-table join is inner or left; Kafka Streams has no outer one")
                    }
                    shape = .streamTable(table: try stores(1)[0].name)
                case .streamGlobalJoin:
                    guard type != .outer else { throw refuse("a stream-global table join is inner or left") }
                    guard node.keySelector?.pointee.apply != nil else {
                        throw refuse("a global table join needs a key selector with an apply entry, and it has none")
                    }
                    shape = .streamGlobalTable(
                        global: try stores(1)[0].name,
                        keySelector: .function(PluginFunction(plugin: plugin, node: node.name, place: .keySelector)))
                default:
                    let declared = try stores(2)
                    shape = .tableTable(left: declared[0].name, right: declared[1].name)
                }
                return Join(
                    shape: shape, type: type, joiner: .function(PluginFunction(plugin: plugin, node: node.name)))
            }
            /// The steps of a foreign-key join: subscribe, repartition by foreign key, respond,
            /// repartition by left key, resolve (under the node's own name, which readers use).
            func foreignKeyJoin() throws(TopologyError) -> [DeclaredNode] {
                guard node.hasFunction else {
                    throw refuse("a foreign-key join needs an apply entry (its joiner), and it has none")
                }
                guard node.keySelector?.pointee.apply != nil else {
                    throw refuse(
                        "a foreign-key join needs a foreign-key extractor (key_selector) with an apply entry, and it has none"
                    )
                }
                guard node.parents.count == 2, node.parents[0] != node.parents[1] else {
                    throw refuse("a foreign-key join reads two different tables, the left and the right")
                }
                guard node.joinStores.count == 2 else {
                    throw refuse("a foreign-key join names 2 join stores; it names \(node.joinStores.count)")
                }
                let type: Join.JoinType
                switch node.joinType {
                case .inner?: type = .inner
                case .left?: type = .left
                default: throw refuse("a foreign-key join is inner or left")
                }
                let steps = Topology.foreignKeyJoinSteps(
                    name: node.name, left: node.parents[0], right: node.parents[1], leftStore: node.joinStores[0].name,
                    rightStore: node.joinStores[1].name, type: type,
                    extractor: .function(PluginFunction(plugin: plugin, node: node.name, place: .keySelector)),
                    joiner: .function(PluginFunction(plugin: plugin, node: node.name)))
                return steps.map { DeclaredNode($0, at: location) }
            }
            let kind: Kind
            switch node.kind {
            case .source:
                guard !node.topics.isEmpty else { throw refuse("a source needs at least one topic") }
                var source = Source(
                    topics: node.topics, keySerde: node.keySerde ?? "bytes", valueSerde: node.valueSerde ?? "bytes")
                if let extractor = node.timestampExtractor {
                    guard extractor.pointee.apply != nil else {
                        throw refuse("its timestamp extractor has no apply entry")
                    }
                    source.timestamp = .extractor(
                        PluginFunction(plugin: plugin, node: node.name, place: .timestampExtractor))
                }
                kind = .source(source)
            case .sink:
                guard node.topics.count == 1 else {
                    throw refuse("a sink writes exactly one topic; it names \(node.topics.count)")
                }
                kind = .sink(
                    Sink(
                        topic: node.topics[0], keySerde: node.keySerde ?? "bytes",
                        valueSerde: node.valueSerde ?? "bytes"))
            case .processor:
                guard let processor = node.processor, description.processor(named: processor) != nil else {
                    throw refuse(
                        "it runs processor '\(node.processor ?? "")', which the plugin does not export (it exports: \(description.processors.map(\.name).joined(separator: ", ")))"
                    )
                }
                kind = .processor(plugin: plugin, processor: processor, config: processorConfig[node.name] ?? [:])
            case .passthrough:
                kind = .passthrough
            case .repartition:
                kind = .repartition(partitions: node.partitions > 0 ? Int(node.partitions) : nil)
            case .filter:
                kind = try function(.filter(negate: node.flags.contains(.negate), table: node.flags.contains(.table)))
            case .map: kind = try function(.map)
            case .flatMap: kind = try function(.flatMap)
            case .mapValues: kind = try function(.mapValues(table: node.flags.contains(.table)))
            case .flatMapValues: kind = try function(.flatMapValues)
            case .selectKey: kind = try function(.selectKey)
            case .peek: kind = try function(.peek)
            case .foreach: kind = try function(.foreach)
            case .branch:
                guard !node.branches.isEmpty else { throw refuse("a branch node needs at least one branch") }
                kind = try function(.branch(node.branches))
            case .count: kind = try aggregation(.count)
            case .reduce, .aggregate:
                guard node.hasFunction else {
                    throw refuse("a \(node.kind) node needs an apply entry, and it has none")
                }
                kind = try aggregation(
                    .function(PluginFunction(plugin: plugin, node: node.name), reduce: node.kind == .reduce))
            case .toTable: kind = .toTable(try store())
            case .suppress:
                guard let settings = node.suppress else { throw refuse("a suppress node needs its settings (ABI 1.3)") }
                let until: Suppression.Until
                switch settings.until {
                case eddy_suppress_until(EDDY_SUPPRESS_WINDOW_CLOSES):
                    guard node.window != nil else {
                        throw refuse("untilWindowCloses suppresses a windowed table, and this one has no windows")
                    }
                    until = .windowCloses
                case eddy_suppress_until(EDDY_SUPPRESS_TIME_LIMIT):
                    guard settings.time_limit_ms >= 0 else {
                        throw refuse("its time limit \(settings.time_limit_ms) ms is negative")
                    }
                    until = .timeLimit(settings.time_limit_ms)
                default:
                    throw refuse("its suppression kind \(settings.until) is not one of eddy.h's EDDY_SUPPRESS_*")
                }
                kind = .suppress(
                    Suppression(
                        until: until, maxRecords: settings.max_records > 0 ? settings.max_records : nil,
                        maxBytes: settings.max_bytes > 0 ? settings.max_bytes : nil,
                        emitEarlyWhenFull: settings.when_full == eddy_suppress_full(EDDY_SUPPRESS_EMIT_EARLY),
                        window: try window(node.window),
                        store: try store()))
            case .timestampExtractor:
                throw refuse(
                    "a timestamp extractor is a stream function or a source's extractor, not a node of the graph")
            case .joiner:
                throw refuse("a joiner is a stream function or a join's apply, not a node of the graph")
            case .tableSource:
                guard node.topics.count == 1 else {
                    throw refuse("a table source reads exactly one topic; it names \(node.topics.count)")
                }
                kind = .tableSource(
                    Source(
                        topics: node.topics, keySerde: node.keySerde ?? "bytes", valueSerde: node.valueSerde ?? "bytes"),
                    try store())
            case .globalTable:
                guard node.topics.count == 1 else {
                    throw refuse("a global table reads exactly one topic; it names \(node.topics.count)")
                }
                let store = try store()
                guard !store.changelog else {
                    throw refuse(
                        "a global table's store \(store.name) is restored from its topic; declare it with changelog false"
                    )
                }
                kind = .globalTable(
                    GlobalStore(
                        topic: node.topics[0], keySerde: node.keySerde ?? "bytes",
                        valueSerde: node.valueSerde ?? "bytes", store: store))
            case .streamStreamJoin, .streamTableJoin, .streamGlobalJoin, .tableTableJoin:
                kind = .join(try join())
            case .foreignKeyJoin:
                return try foreignKeyJoin()
            }
            return [DeclaredNode(Node(name: node.name, kind: kind, parents: node.parents), at: location)]
        }
    }
}
