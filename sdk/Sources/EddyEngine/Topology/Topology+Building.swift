extension Topology {
    /// A node as declared, before the graph is checked and split: where it was declared
    /// (for messages) and what it is.
    public struct DeclaredNode: Sendable {
        public var node: Node
        public var location: TopologyError.Location

        public init(_ node: Node, at location: TopologyError.Location) {
            self.node = node
            self.location = location
        }
    }

    /// Checks and splits a declared graph (nodes from an application file, a plugin's
    /// exported topology, or both): every name unique, every parent known and readable, no
    /// cycle, branch outputs where their branch says, and every sub-topology reaching a sink.
    /// Repartition nodes become a sink and a source around
    /// `<application.id>-<name>-repartition`.
    public static func build(applicationId: String, nodes allDeclared: [DeclaredNode]) throws(TopologyError) -> Topology
    {
        // Global tables are read by store name, outside every sub-topology.
        var globalStores: [GlobalStore] = []
        var declared: [DeclaredNode] = []
        for entry in allDeclared {
            if case .globalTable(let global) = entry.node.kind {
                globalStores.append(global)
            } else {
                declared.append(entry.withTimestampedTableStore)
            }
        }
        var locationOf: [String: TopologyError.Location] = [:]
        for entry in declared {
            if let first = locationOf[entry.node.name] {
                throw TopologyError(
                    entry.location.with(field: "name"),
                    "node '\(entry.node.name)' is declared twice (first at \(first)) — give each node its own name")
            }
            locationOf[entry.node.name] = entry.location
        }
        let kinds = Dictionary(uniqueKeysWithValues: declared.map { ($0.node.name, $0.node.kind) })
        let readable = Set(declared.filter { $0.node.kind.hasOutput }.map(\.node.name))
        for entry in declared {
            for parent in entry.node.parents where !readable.contains(parent) {
                let why =
                    kinds[parent] == nil
                    ? "unknown input '\(parent)'\(Suggestion.didYouMean(parent, among: readable))"
                    : "'\(parent)' has no output (a sink or foreach ends the stream)"
                throw TopologyError(
                    entry.location.with(field: "inputs"), "\(why) (inputs must be sources or processors)")
            }
        }
        try rejectCycles(declared)
        try checkBranches(declared, kinds: kinds)
        try checkJoins(declared, globalStores: globalStores)

        // Nodes with their children; repartition nodes split into a sink and a source.
        var nodes: [String: Node] = [:]
        var order: [String] = []
        func add(_ node: Node) {
            nodes[node.name] = node
            order.append(node.name)
        }
        var repartitions: [(topic: InternalTopic, sinkName: String)] = []
        for entry in declared {
            guard case .repartition(let partitions) = entry.node.kind else {
                add(entry.node)
                continue
            }
            let topic = repartitionTopic(applicationId, entry.node.name)
            let sinkName = "\(entry.node.name)-sink"
            guard locationOf[sinkName] == nil else {
                throw TopologyError(
                    entry.location.with(field: "name"),
                    "repartition node '\(entry.node.name)' needs the name '\(sinkName)' for its sink, which another node has — rename one of them"
                )
            }
            add(
                Node(
                    name: sinkName, kind: .sink(Sink(topic: topic, keySerde: "bytes", valueSerde: "bytes")),
                    parents: entry.node.parents))
            add(
                Node(
                    name: entry.node.name,
                    kind: .source(Source(topics: [topic], keySerde: "bytes", valueSerde: "bytes")), parents: []))
            repartitions.append(
                (InternalTopic(name: topic, kind: .repartition, partitions: partitions, subTopology: -1), sinkName))
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
            subTopologies.append(
                SubTopology(
                    id: id, nodes: members, sourceTopics: members.flatMap { $0.kind.sourceTopics },
                    sinkTopics: members.compactMap { $0.kind.sinkTopic }))
        }
        for sub in subTopologies where !sub.nodes.contains(where: \.kind.endsStream) {
            let last = sub.nodes.last!
            throw TopologyError(
                TopologyError.Location("topology"),
                "the nodes from '\(sub.nodes.first!.name)' to '\(last.name)' reach no sink — add a sink whose inputs include '\(last.name)'"
            )
        }
        var readers: [String: String] = [:]
        for sub in subTopologies {
            for node in sub.nodes {
                for topic in node.kind.sourceTopics {
                    if let other = readers[topic] {
                        throw TopologyError(
                            locationOf[node.name] ?? TopologyError.Location("topology"),
                            "topic '\(topic)' is read by both '\(other)' and '\(node.name)' — read each topic with one source and use its output twice"
                        )
                    }
                    readers[topic] = node.name
                }
            }
        }
        let internalTopics = repartitions.map { entry in
            var topic = entry.topic
            topic.subTopology = subTopologies.first { $0.sourceTopics.contains(topic.name) }!.id
            return topic
        }
        for index in subTopologies.indices {
            subTopologies[index].coPartitionGroups = coPartitionGroups(of: subTopologies[index], nodes: nodes)
        }
        var topology = Topology(
            applicationId: applicationId, subTopologies: subTopologies, internalTopics: internalTopics)
        topology.globalStores = globalStores
        for node in nodes.values {
            if case .tableSource(let source, let store) = node.kind, let topic = source.topics.first {
                topology.sourceChangelogs[store.name] = topic
            }
        }
        return topology
    }

    /// The source topics of each join's two inputs in `sub` (repartition topics after a key
    /// change), which must be co-partitioned. A global-table join needs none.
    private static func coPartitionGroups(of sub: SubTopology, nodes: [String: Node]) -> [[String]] {
        func sourceTopics(above name: String) -> Set<String> {
            var topics: Set<String> = []
            var seen: Set<String> = []
            var stack = [name]
            while let next = stack.popLast() {
                guard seen.insert(next).inserted, let node = nodes[next] else { continue }
                topics.formUnion(node.kind.sourceTopics)
                stack.append(contentsOf: node.parents)
            }
            return topics
        }
        var groups: [[String]] = []
        for node in sub.nodes {
            guard node.kind.joinsCoPartitionedInputs, node.parents.count == 2 else { continue }
            let group = sourceTopics(above: node.parents[0]).union(sourceTopics(above: node.parents[1])).sorted()
            if group.count > 1, !groups.contains(group) { groups.append(group) }
        }
        return groups
    }

    /// Every join has the inputs its shape needs: two different parents (one for a global
    /// table join, whose store a global table declares).
    private static func checkJoins(_ declared: [DeclaredNode], globalStores: [GlobalStore]) throws(TopologyError) {
        for entry in declared {
            guard case .join(let join) = entry.node.kind else { continue }
            let parents = entry.node.parents
            if case .streamGlobalTable(let global, _) = join.shape {
                guard parents.count == 1 else {
                    throw TopologyError(
                        entry.location.with(field: "inputs"),
                        "a global table join reads one stream; it lists \(parents.count) inputs")
                }
                guard globalStores.contains(where: { $0.store.name == global }) else {
                    let known = globalStores.map(\.store.name).joined(separator: ", ")
                    throw TopologyError(
                        entry.location,
                        "it joins global table store '\(global)', which no global table declares (global tables: \(known.isEmpty ? "none" : known))"
                    )
                }
                continue
            }
            guard parents.count == 2, parents[0] != parents[1] else {
                throw TopologyError(
                    entry.location.with(field: "inputs"),
                    "a join reads two different inputs, the left and the right; it lists \(parents.count == 2 ? "'\(parents[0])' twice" : "\(parents.count)")"
                )
            }
        }
    }

    private static func rejectCycles(_ declared: [DeclaredNode]) throws(TopologyError) {
        let parents = Dictionary(uniqueKeysWithValues: declared.map { ($0.node.name, $0.node.parents) })
        var state: [String: Bool] = [:]  // false: on the current path, true: done
        func visit(_ name: String, _ path: [String]) -> [String]? {
            if state[name] == true { return nil }
            if state[name] == false { return path.drop { $0 != name } + [name] }
            state[name] = false
            for parent in parents[name] ?? [] {
                if let cycle = visit(parent, path + [name]) { return cycle }
            }
            state[name] = true
            return nil
        }
        for entry in declared {
            if let cycle = visit(entry.node.name, []) {
                throw TopologyError(
                    entry.location.with(field: "inputs"),
                    "the graph has a cycle: \(cycle.reversed().joined(separator: " -> ")) — a processor cannot read its own output; use a topic in between"
                )
            }
        }
    }

    /// A branch node's branches are nodes that read it, and nothing else reads it.
    private static func checkBranches(_ declared: [DeclaredNode], kinds: [String: Kind]) throws(TopologyError) {
        for entry in declared {
            guard let branches = entry.node.kind.branchNames else { continue }
            for branch in branches {
                guard let reader = declared.first(where: { $0.node.name == branch }),
                    reader.node.parents.contains(entry.node.name)
                else {
                    throw TopologyError(
                        entry.location,
                        "branch '\(branch)' of '\(entry.node.name)' is not a node reading '\(entry.node.name)'")
                }
            }
            for reader in declared
            where reader.node.parents.contains(entry.node.name) && !branches.contains(reader.node.name) {
                throw TopologyError(
                    reader.location.with(field: "inputs"),
                    "'\(reader.node.name)' reads the split '\(entry.node.name)' directly — read one of its branches (\(branches.joined(separator: ", ")))"
                )
            }
        }
    }
}

extension Topology.Kind {
    /// Whether other nodes may read this node's output.
    var hasOutput: Bool {
        switch self {
        case .sink, .function(_, .foreach): return false
        default: return true
        }
    }

    /// Whether this node ends a stream on purpose (a sink or a foreach).
    var endsStream: Bool { !hasOutput }
}

/// A topology is not valid: where (a key of the application file, or a node of a plugin's
/// topology) and what is wrong, with the fix.
public struct TopologyError: Error, CustomStringConvertible, Sendable {
    /// Where a node was declared.
    public struct Location: Sendable, CustomStringConvertible {
        /// A key path (`topology.processors[2]`) or a description (`plugin Fraud, node X`).
        public var key: String
        /// The line of the application file, when known.
        public var line: Int?

        public init(_ key: String, line: Int? = nil) {
            self.key = key
            self.line = line
        }

        /// The same place, narrowed to one of its fields (for application-file keys).
        public func with(field: String) -> Location {
            key.hasPrefix("topology.") ? Location("\(key).\(field)", line: line) : self
        }

        public var description: String { key }
    }

    public var location: Location
    public var message: String

    public init(_ location: Location, _ message: String) {
        self.location = location
        self.message = message
    }

    public var description: String { "\(location.key): \(message)" }
}
