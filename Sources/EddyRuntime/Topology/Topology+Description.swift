extension Topology {
    /// The topology as text, in the shape of Kafka Streams' `TopologyDescription`.
    public func describe(stores: [String: [String]] = [:]) -> String {
        var lines = ["Topologies:"]
        for sub in subTopologies {
            lines.append("   Sub-topology: \(sub.id)")
            for node in sub.nodes {
                let next = node.children.isEmpty ? "none" : node.children.joined(separator: ", ")
                let previous = node.parents.isEmpty ? "none" : node.parents.joined(separator: ", ")
                switch node.kind {
                case .source(let topics, _, _, _):
                    lines.append("    Source: \(node.name) (topics: [\(topics.joined(separator: ", "))])")
                    lines.append("      --> \(next)")
                case .sink(let topic, _, _):
                    lines.append("    Sink: \(node.name) (topic: \(topic))")
                    lines.append("      <-- \(previous)")
                default:
                    let names = stores[node.name] ?? (node.kind.aggregateStore.map { [$0] } ?? [])
                    lines.append("    Processor: \(node.name) (\(node.kind.summary)) (stores: [\(names.joined(separator: ", "))])")
                    lines.append("      --> \(next)")
                    lines.append("      <-- \(previous)")
                }
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension Topology.Node.Kind {
    /// A one-line summary of what the node does.
    var summary: String {
        switch self {
        case .source(let topics, _, _, _): "source \(topics.joined(separator: ","))"
        case .plugin(let plugin, let processor, _): "plugin: \(plugin).\(processor)"
        case .filter(let call): "filter: \(call.plugin).\(call.function)(\(call.fields.joined(separator: ", ")))"
        case .mapValues(let call, let field): "map_values: \(field) = \(call.plugin).\(call.function)(\(call.fields.joined(separator: ", ")))"
        case .selectKey(let field): "select_key: \(field)"
        case .aggregate(let a):
            switch a.operation {
            case .count: "count"
            case .reduce: "reduce: \(a.function!.plugin).\(a.function!.function)(current, \(a.field!))"
            case .aggregate: "aggregate: \(a.function!.plugin).\(a.function!.function)(current, \(a.field!)) from \(a.initial!)"
            }
        case .sink(let topic, _, _): "sink \(topic)"
        }
    }
}
