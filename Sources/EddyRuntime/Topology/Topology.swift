/// The processing graph Eddy runs, whichever way it was declared, split into sub-topologies
/// at repartition topics, as Kafka Streams does.
public struct Topology: Sendable {
    /// One node of the graph.
    public struct Node: Sendable {
        public enum Kind: Sendable {
            case source(topics: [String], keySerde: SerdeName, valueSerde: SerdeName, timestamp: SourceSpec.Timestamp)
            case plugin(plugin: String, processor: String, config: [String: String])
            case filter(FunctionCall)
            case mapValues(FunctionCall, outputField: String)
            case selectKey(field: String)
            case aggregate(AggregateSpec)
            case sink(topic: String, keySerde: SerdeName, valueSerde: SerdeName)
        }

        public var name: String
        public var kind: Kind
        /// Names of the nodes this one reads from.
        public var parents: [String]
        /// Names of the nodes this one forwards to, in declaration order.
        public var children: [String]
    }

    /// A connected part of the graph between topics: a task runs one sub-topology for one
    /// partition.
    public struct SubTopology: Sendable {
        public var id: Int
        /// The nodes in declaration order (sources first).
        public var nodes: [Node]
        public var sourceTopics: [String]
        public var sinkTopics: [String]

        public func node(_ name: String) -> Node? { nodes.first { $0.name == name } }
    }

    /// A topic the application owns: repartition and changelog topics, named
    /// `<application.id>-<name>-repartition|changelog`.
    public struct InternalTopic: Sendable, Equatable {
        public enum Kind: String, Sendable { case repartition, changelog }
        public var name: String
        public var kind: Kind
        /// Fixed by configuration, or nil to match the partitions of its sub-topology's inputs.
        public var partitions: Int?
        /// The sub-topology that reads (repartition) or owns (changelog) it.
        public var subTopology: Int
    }

    public var applicationId: String
    public var subTopologies: [SubTopology]
    public var internalTopics: [InternalTopic]

    /// The sub-topology reading `topic`.
    public func subTopology(readingTopic topic: String) -> SubTopology? {
        subTopologies.first { $0.sourceTopics.contains(topic) }
    }

    /// Every topic some sub-topology reads.
    public var sourceTopics: [String] { subTopologies.flatMap(\.sourceTopics) }

    public static func repartitionTopic(_ applicationId: String, _ node: String) -> String {
        "\(applicationId)-\(node)-repartition"
    }

    public static func changelogTopic(_ applicationId: String, _ store: String) -> String {
        "\(applicationId)-\(store)-changelog"
    }
}

extension Topology.Node.Kind {
    /// The topics a source node reads; empty for other nodes.
    public var sourceTopics: [String] {
        if case .source(let topics, _, _, _) = self { return topics }
        return []
    }

    /// The typed function a built-in node calls (filter, map_values, reduce, aggregate).
    public var functionCall: FunctionCall? {
        switch self {
        case .filter(let call), .mapValues(let call, _): return call
        case .aggregate(let spec): return spec.function
        default: return nil
        }
    }

    /// The store of a built-in aggregation; nil for other nodes.
    public var aggregateStore: String? {
        if case .aggregate(let spec) = self { return spec.store }
        return nil
    }

    /// The topic a sink node writes; nil for other nodes.
    public var sinkTopic: String? {
        if case .sink(let topic, _, _) = self { return topic }
        return nil
    }
}
