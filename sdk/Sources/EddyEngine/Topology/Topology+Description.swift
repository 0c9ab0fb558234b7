extension Topology {
    /// The topology as text, in the shape of Kafka Streams' `TopologyDescription`: each
    /// sub-topology's sources with their topics, processors with what they do and their
    /// stores, and sinks. `stores` adds the stores of plugin processors, by node.
    public func describe(stores: [String: [String]] = [:]) -> String {
        var lines = ["Topologies:"]
        for sub in subTopologies {
            lines.append("   Sub-topology: \(sub.id)")
            for node in sub.nodes {
                let next = node.children.isEmpty ? "none" : node.children.joined(separator: ", ")
                let previous = node.parents.isEmpty ? "none" : node.parents.joined(separator: ", ")
                switch node.kind {
                case .source(let source):
                    lines.append("    Source: \(node.name) (topics: [\(source.topics.joined(separator: ", "))])")
                    lines.append("      --> \(next)")
                case .tableSource(let source, let store):
                    lines.append(
                        "    Source: \(node.name) (topics: [\(source.topics.joined(separator: ", "))]) (table, stores: [\(store.name)])"
                    )
                    lines.append("      --> \(next)")
                case .sink(let sink):
                    lines.append("    Sink: \(node.name) (topic: \(sink.topic))")
                    lines.append("      <-- \(previous)")
                default:
                    let names = stores[node.name] ?? node.kind.describedStores
                    lines.append(
                        "    Processor: \(node.name) (\(node.kind.summary)) (stores: [\(names.joined(separator: ", "))])"
                    )
                    lines.append("      --> \(next)")
                    lines.append("      <-- \(previous)")
                }
            }
        }
        for global in globalStores {
            lines.append("   Global store: \(global.store.name) (topic: \(global.topic))")
        }
        return lines.joined(separator: "\n")
    }
}

extension Topology.Kind {
    /// A one-line summary of what the node does.
    public var summary: String {
        switch self {
        case .source(let source): "source \(source.topics.joined(separator: ","))"
        case .sink(let sink): "sink \(sink.topic)"
        case .processor(let plugin, let processor, _): "plugin: \(plugin).\(processor)"
        case .passthrough: "passthrough"
        case .repartition: "repartition"
        case .function(let function, let operation): "\(operation.summary): \(function.plugin).\(function.node)"
        case .aggregate(let aggregation): aggregation.summary
        case .suppress(let suppression): suppression.summary
        case .toTable: "toTable"
        case .builtin(let builtin): builtin.summary
        case .tableSource(let source, _): "table \(source.topics.joined(separator: ","))"
        case .globalTable(let global): "global table \(global.topic)"
        case .join(let join): join.summary
        case .foreignKey(.subscribe(let extractor, _, _)):
            "foreign-key join subscribe: \(extractor.summary) key selector"
        case .foreignKey(.respond): "foreign-key join respond"
        case .foreignKey(.resolve(_, let type, _)): "foreign-key \(type) join resolve"
        }
    }

    /// The stores a node owns or reads, for descriptions.
    var describedStores: [String] {
        if case .foreignKey(.respond(let subscriptions, let right)) = self { return [subscriptions.name, right] }
        if case .foreignKey(.resolve(let left, _, _)) = self { return [left] }
        guard case .join(let join) = self else { return stores.map(\.name) }
        switch join.shape {
        case .streamStream: return join.ownedStores.map(\.name)
        case .streamTable(let table): return [table]
        case .streamGlobalTable(let global, _): return [global]
        case .tableTable(let left, let right): return [left, right]
        }
    }
}

extension Topology.Join {
    /// The join in Kafka Streams' words, e.g. `stream-stream left join JoinWindows(before 10ms, after 10ms, grace 0ms)`.
    public var summary: String {
        let joiner: String =
            switch self.joiner {
            case .function(let function): "\(function.plugin).\(function.node)"
            case .jsonMerge: "json merge"
            }
        switch shape {
        case .streamStream(let windows, _, _, _):
            return
                "stream-stream \(type) join JoinWindows(before \(windows.before)ms, after \(windows.after)ms, grace \(windows.grace)ms): \(joiner)"
        case .streamTable: return "stream-table \(type) join: \(joiner)"
        case .streamGlobalTable(_, let selector):
            return "stream-globalTable \(type) join by \(selector.summary): \(joiner)"
        case .tableTable: return "table-table \(type) join: \(joiner)"
        }
    }
}

extension Topology.Join.KeySelector {
    /// `Plugin.function`, or `json field a.b`.
    public var summary: String {
        switch self {
        case .function(let function): "\(function.plugin).\(function.node)"
        case .jsonField(let path): "json field \(path)"
        }
    }
}

extension Topology.Operation {
    /// The DSL operator's name, as Kafka Streams calls it.
    public var summary: String {
        switch self {
        case .filter(let negate, let table): (table ? "table " : "") + (negate ? "filterNot" : "filter")
        case .map: "map"
        case .flatMap: "flatMap"
        case .mapValues(let table): table ? "table mapValues" : "mapValues"
        case .flatMapValues: "flatMapValues"
        case .selectKey: "selectKey"
        case .peek: "peek"
        case .foreach: "foreach"
        case .branch(let branches): "split into \(branches.joined(separator: ", "))"
        }
    }
}

extension Builtin {
    /// A one-line summary of what the built-in does.
    public var summary: String {
        switch self {
        case .filter(let call): "filter: \(call.plugin).\(call.function)(\(call.fields.joined(separator: ", ")))"
        case .mapValues(let call, let field):
            "map_values: \(field) = \(call.plugin).\(call.function)(\(call.fields.joined(separator: ", ")))"
        case .selectKey(let field): "select_key: \(field)"
        case .branch(let branches):
            "branch: "
                + branches.map { branch in
                    branch.function.map {
                        "\(branch.name) if \($0.plugin).\($0.function)(\($0.fields.joined(separator: ", ")))"
                    } ?? "\(branch.name) otherwise"
                }.joined(separator: "; ")
        }
    }
}

extension Topology.Aggregation {
    /// What the aggregation folds, and over which windows.
    public var summary: String {
        let fold: String =
            switch self.fold {
            case .count: "count"
            case .function(let function, let reduce):
                "\(reduce ? "reduce" : "aggregate"): \(function.plugin).\(function.node)"
            case .typed(let spec):
                switch spec.operation {
                case .reduce: "reduce: \(spec.function.plugin).\(spec.function.function)(current, \(spec.field))"
                case .aggregate:
                    "aggregate: \(spec.function.plugin).\(spec.function.function)(current, \(spec.field)) from \(spec.initial ?? "null")"
                }
            }
        return window.map { "\(fold) over \($0.summary)" } ?? fold
    }
}

extension Topology.Window {
    /// The windows in Kafka Streams' words, e.g. `TimeWindows(size 60000ms, advance 60000ms, grace 5000ms)`.
    public var summary: String {
        switch kind {
        case .time(let size, let advance): "TimeWindows(size \(size)ms, advance \(advance)ms, grace \(grace)ms)"
        case .sliding(let difference): "SlidingWindows(difference \(difference)ms, grace \(grace)ms)"
        case .session(let gap): "SessionWindows(gap \(gap)ms, grace \(grace)ms)"
        }
    }
}

extension Topology.Suppression {
    /// When the suppression lets updates through, and its buffer's bounds.
    public var summary: String {
        let until: String =
            switch self.until {
            case .windowCloses: "suppress until window closes"
            case .timeLimit(let limit): "suppress for \(limit)ms"
            }
        var bounds: [String] = []
        if let maxRecords { bounds.append("\(maxRecords) records") }
        if let maxBytes { bounds.append("\(maxBytes) bytes") }
        guard !bounds.isEmpty else { return until }
        return
            "\(until) (at most \(bounds.joined(separator: ", ")), then \(emitEarlyWhenFull ? "emit early" : "shut down"))"
    }
}
