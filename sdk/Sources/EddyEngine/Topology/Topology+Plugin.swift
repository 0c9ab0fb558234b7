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
                "plugin '\(plugin)' (\(description.name) \(description.version)) exports no topology — implement `static func topology(_ builder: StreamsBuilder)` in its Plugin type")
        }
        return try nodes.map { node throws(TopologyError) in
            let location = TopologyError.Location("plugin \(plugin), node \(node.name)")
            func refuse(_ message: String) -> TopologyError { TopologyError(location, message) }
            func function(_ operation: Operation) throws(TopologyError) -> Kind {
                guard node.hasFunction else { throw refuse("a \(node.kind) node needs an apply entry, and it has none") }
                return .function(PluginFunction(plugin: plugin, node: node.name), operation)
            }
            func store() throws(TopologyError) -> StoreDeclaration {
                guard let store = node.store else { throw refuse("a \(node.kind) node needs a store, and it declares none") }
                guard store.kind == .keyValue else { throw refuse("its store \(store.name) is a \(store.kind) store; a \(node.kind) keeps a key-value store") }
                return store
            }
            guard !node.name.isEmpty else { throw refuse("a node has no name — every node needs one") }
            if node.kind == .source {
                guard node.parents.isEmpty else { throw refuse("a source reads topics, not other nodes, but it lists parents") }
            } else if node.parents.isEmpty {
                throw refuse("a \(node.kind) node needs at least one parent")
            }
            let kind: Kind
            switch node.kind {
            case .source:
                guard !node.topics.isEmpty else { throw refuse("a source needs at least one topic") }
                kind = .source(Source(topics: node.topics, keySerde: node.keySerde ?? "bytes", valueSerde: node.valueSerde ?? "bytes"))
            case .sink:
                guard node.topics.count == 1 else { throw refuse("a sink writes exactly one topic; it names \(node.topics.count)") }
                kind = .sink(Sink(topic: node.topics[0], keySerde: node.keySerde ?? "bytes", valueSerde: node.valueSerde ?? "bytes"))
            case .processor:
                guard let processor = node.processor, description.processor(named: processor) != nil else {
                    throw refuse("it runs processor '\(node.processor ?? "")', which the plugin does not export (it exports: \(description.processors.map(\.name).joined(separator: ", ")))")
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
            case .count: kind = .count(try store())
            case .reduce: kind = try function(.reduce(try store()))
            case .aggregate: kind = try function(.aggregate(try store()))
            case .toTable: kind = .toTable(try store())
            }
            return DeclaredNode(Node(name: node.name, kind: kind, parents: node.parents), at: location)
        }
    }
}
