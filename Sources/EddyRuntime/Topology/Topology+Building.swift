extension Topology {
    /// Builds and validates the topology an application file declares: every name unique,
    /// every input known, no cycle, stores declared once; repartition nodes become a sink
    /// and a source around an internal topic.
    public static func build(_ config: AppConfig) throws(AppConfigError) -> Topology {
        let spec = config.topology
        func fail(_ key: String, _ line: Int?, _ message: String) -> AppConfigError {
            AppConfigError(file: config.file, line: line, key: key, message: message)
        }

        // Unique names across sources, processors and sinks.
        var declared: [String: String] = [:]
        let entries: [(String, String, Int?)] =
            spec.sources.enumerated().map { ($1.name, "topology.sources[\($0)]", $1.line) }
            + spec.processors.enumerated().map { ($1.name, "topology.processors[\($0)]", $1.line) }
            + spec.sinks.enumerated().map { ($1.name, "topology.sinks[\($0)]", $1.line) }
        for (name, key, line) in entries {
            if let first = declared[name] {
                throw fail("\(key).name", line, "node '\(name)' is declared twice (first at \(first)) — give each node its own name")
            }
            declared[name] = key
        }
        var storeNames: [String: String] = [:]
        for (i, store) in spec.stores.enumerated() {
            if let first = storeNames[store.name] {
                throw fail("topology.stores[\(i)].name", store.line, "store '\(store.name)' is declared twice (first at \(first)) — declare each store once")
            }
            storeNames[store.name] = "topology.stores[\(i)]"
        }

        // Every input names a source or processor (sinks cannot be read from).
        let readable = Set(spec.sources.map(\.name) + spec.processors.map(\.name))
        let inputLists: [(String, [String], Int?)] =
            spec.processors.enumerated().map { ("topology.processors[\($0)].inputs", $1.inputs, $1.line) }
            + spec.sinks.enumerated().map { ("topology.sinks[\($0)].inputs", $1.inputs, $1.line) }
        for (key, inputs, line) in inputLists {
            for input in inputs where !readable.contains(input) {
                let hint = readable.min { editDistance($0, input) < editDistance($1, input) }
                    .map { editDistance($0, input) <= 3 ? " — did you mean '\($0)'?" : "" } ?? ""
                throw fail(key, line, "unknown input '\(input)'\(hint) (inputs must be sources or processors)")
            }
        }
        try rejectCycles(spec, fail)

        // Nodes with their children; repartition nodes split into a sink and a source.
        var nodes: [String: Node] = [:]
        var order: [String] = []
        func add(_ node: Node) {
            nodes[node.name] = node
            order.append(node.name)
        }
        for source in spec.sources {
            add(Node(
                name: source.name,
                kind: .source(topics: source.topics, keySerde: source.keySerde, valueSerde: source.valueSerde, timestamp: source.timestamp),
                parents: [], children: []))
        }
        var internalTopics: [(InternalTopic, sinkName: String)] = []
        for p in spec.processors {
            switch p.kind {
            case .plugin(let plugin, let processor, let cfg):
                add(Node(name: p.name, kind: .plugin(plugin: plugin, processor: processor, config: cfg), parents: p.inputs, children: []))
            case .filter(let call):
                add(Node(name: p.name, kind: .filter(call), parents: p.inputs, children: []))
            case .mapValues(let call, let field):
                add(Node(name: p.name, kind: .mapValues(call, outputField: field), parents: p.inputs, children: []))
            case .selectKey(let field):
                add(Node(name: p.name, kind: .selectKey(field: field), parents: p.inputs, children: []))
            case .aggregate(let aggregate):
                add(Node(name: p.name, kind: .aggregate(aggregate), parents: p.inputs, children: []))
            case .repartition(let partitions):
                let topic = repartitionTopic(config.applicationId, p.name)
                let sinkName = "\(p.name)-sink"
                add(Node(name: sinkName, kind: .sink(topic: topic, keySerde: .bytes, valueSerde: .bytes), parents: p.inputs, children: []))
                add(Node(name: p.name, kind: .source(topics: [topic], keySerde: .bytes, valueSerde: .bytes, timestamp: .record), parents: [], children: []))
                internalTopics.append((InternalTopic(name: topic, kind: .repartition, partitions: partitions, subTopology: -1), sinkName))
            }
        }
        for sink in spec.sinks {
            add(Node(name: sink.name, kind: .sink(topic: sink.topic, keySerde: sink.keySerde, valueSerde: sink.valueSerde), parents: sink.inputs, children: []))
        }
        for name in order {
            for parent in nodes[name]!.parents { nodes[parent]!.children.append(name) }
        }

        // Sub-topologies: connected components, numbered by their first node's position.
        var component: [String: Int] = [:]
        var subTopologies: [SubTopology] = []
        for start in order where component[start] == nil {
            let id = subTopologies.count
            var stack = [start]
            component[start] = id
            while let name = stack.popLast() {
                let node = nodes[name]!
                for neighbour in node.parents + node.children where component[neighbour] == nil {
                    component[neighbour] = id
                    stack.append(neighbour)
                }
            }
            let members = order.filter { component[$0] == id }.map { nodes[$0]! }
            subTopologies.append(SubTopology(
                id: id, nodes: members,
                sourceTopics: members.flatMap { $0.kind.sourceTopics },
                sinkTopics: members.compactMap { $0.kind.sinkTopic }))
        }
        for sub in subTopologies where !sub.nodes.contains(where: { $0.kind.sinkTopic != nil }) {
            let node = sub.nodes.last!
            throw fail("topology", nil, "the nodes from '\(sub.nodes.first!.name)' to '\(node.name)' reach no sink — add a sink whose inputs include '\(node.name)'")
        }
        let topics = internalTopics.map { entry in
            var topic = entry.0
            topic.subTopology = subTopologies.first { $0.sourceTopics.contains(topic.name) }!.id
            return topic
        }
        return Topology(applicationId: config.applicationId, subTopologies: subTopologies, internalTopics: topics)
    }

    private static func rejectCycles(
        _ spec: TopologySpec, _ fail: (String, Int?, String) -> AppConfigError
    ) throws(AppConfigError) {
        let inputs = Dictionary(uniqueKeysWithValues: spec.processors.map { ($0.name, $0.inputs) })
        var state: [String: Bool] = [:]  // false: on the current path, true: done
        func visit(_ name: String, _ path: [String]) -> [String]? {
            if state[name] == true { return nil }
            if state[name] == false { return path.drop { $0 != name } + [name] }
            state[name] = false
            for input in inputs[name] ?? [] {
                if let cycle = visit(input, path + [name]) { return cycle }
            }
            state[name] = true
            return nil
        }
        for (index, processor) in spec.processors.enumerated() {
            if let cycle = visit(processor.name, []) {
                throw fail(
                    "topology.processors[\(index)].inputs", processor.line,
                    "the graph has a cycle: \(cycle.reversed().joined(separator: " -> ")) — a processor cannot read its own output; use a topic in between")
            }
        }
    }
}
