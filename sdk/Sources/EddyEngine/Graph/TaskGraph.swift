import EddyHost
import EddySDK

/// The graph of one task: one sub-topology's nodes for one partition, wired parent to
/// child, with the task's plugin instances and stores. The task feeds runs of input
/// records to its sources; records flow down run by run; failures of single records go to
/// the environment's error policy.
///
/// Used only by the stream thread that owns the task (or the test driver).
public final class TaskGraph {
    public let taskId: String
    public let applicationId: String
    /// The nodes, in topology order (each after its parents).
    public private(set) var nodes: [GraphNode] = []
    /// The source node reading each topic.
    public private(set) var sources: [String: SourceNode] = [:]
    unowned let environment: TaskEnvironment
    /// The task's stream time (ms): the largest timestamp of the input records so far, -1
    /// before the first.
    public private(set) var streamTime: Int64 = -1
    /// Stream time as of the record a plugin processor is processing (the task's stream time
    /// outside one): what the window stores it uses keep their windows by.
    public internal(set) var recordStreamTime: Int64 = -1
    /// The plugin whose node is delivering records now (nil: none), for sinks that stamp
    /// outputs with the build that made them.
    public internal(set) var deliveringPlugin: String?
    /// Stream time as of each input record of the run being processed.
    private var streamTimes: UnsafePointer<Int64>?
    /// The task's stores as plugins see them, for instances of new builds.
    private let stores: [String: HostStore]

    /// Builds the graph of `sub` for one task.
    ///
    /// - Parameters:
    ///   - plugins: the descriptions of the builds the task runs, by the name the topology uses.
    ///   - stores: the task's stores as plugins and operators see them, by name.
    ///   - makeNode: builds the nodes only the caller knows how to run (sinks, the
    ///     application file's built-ins); nil for a kind it does not run, which fails.
    public init(
        subTopology sub: Topology.SubTopology, taskId: String, applicationId: String,
        plugins: [String: PluginDescription],
        stores: [String: HostStore], environment: TaskEnvironment, makeNode: (Topology.Node) throws -> GraphNode?
    ) throws {
        self.taskId = taskId
        self.applicationId = applicationId
        self.environment = environment
        self.stores = stores
        var byName: [String: GraphNode] = [:]
        let timestamped = sub.timestampedTableStores
        for declared in sub.nodes {
            let node = try Self.node(
                for: declared, taskId: taskId, applicationId: applicationId, plugins: plugins, stores: stores,
                timestamped: timestamped, environment: environment,
                makeNode: makeNode)
            node.graph = self
            if let sourceNode = node as? SourceNode {
                for topic in declared.kind.sourceTopics { sources[topic] = sourceNode }
            }
            byName[declared.name] = node
            nodes.append(node)
        }
        for declared in sub.nodes {
            byName[declared.name]!.children = declared.children.map { byName[$0]!.input(from: declared.name) }
        }
        for case let branch as BranchNode in nodes { try branch.resolveBranches() }
    }

    // MARK: - Processing

    /// Runs `run` (the input records of one partition of `topic`, borrowed for the call)
    /// through the graph. `streamTimes[i]` is the task's stream time once record i is seen.
    public func process(_ run: RecordRun, from source: SourceNode, streamTimes: UnsafePointer<Int64>) throws {
        self.streamTimes = streamTimes
        defer {
            self.streamTimes = nil
            recordStreamTime = streamTime
        }
        for index in 0..<run.count { streamTime = max(streamTime, streamTimes[Int(run.origins[index])]) }
        try source.process(run)
    }

    /// When the next stream-time punctuation of a processor node is due: nil when none is
    /// scheduled; `Int64.min` when one waits for the first record.
    public var nextStreamTimePunctuation: Int64? {
        var next: Int64?
        for case let node as ProcessorNode in nodes {
            if let due = node.instance.context.nextDue(.streamTime) { next = min(next ?? due, due) }
        }
        return next
    }

    /// Stream time as of input record `origin` of the current run (the task's stream time
    /// for -1, or outside a run).
    func streamTime(at origin: Int32) -> Int64 {
        guard origin >= 0, let streamTimes else { return streamTime }
        return streamTimes[Int(origin)]
    }

    /// Moves stream time forward without a record (the test driver's `advanceStreamTime`).
    public func advanceStreamTime(to time: Int64) {
        streamTime = max(streamTime, time)
        recordStreamTime = streamTime
    }

    /// Fires the punctuations of `type` due at `now` in every processor node, delivering
    /// what they forward.
    /// Returns how many punctuations fired, for Kafka Streams' `punctuate-rate`.
    @discardableResult
    public func punctuate(_ type: PunctuationType, now: Int64) throws -> Int {
        var fired = 0
        for case let node as ProcessorNode in nodes { fired += try node.punctuate(type, now: now) }
        return fired
    }

    /// Routes a failed record to the environment's error policy.
    public func reject(origin: Int32, reason: String, node: String, plugin: String?) throws {
        try environment.reject(origin: origin, reason: reason, node: node, plugin: plugin)
    }

    /// Whether a processor asked for a commit since ``clearCommitRequests()``.
    public var commitRequested: Bool {
        nodes.contains { ($0 as? ProcessorNode)?.instance.context.commitRequested ?? false }
    }

    /// Forgets the commit requests (after a commit).
    public func clearCommitRequests() {
        for case let node as ProcessorNode in nodes { node.instance.context.commitRequested = false }
    }

    /// Closes every node (plugin instances run their `close`).
    public func close() {
        nodes.forEach { $0.close() }
    }

    // MARK: - Hot reload

    /// New instances, from the build `description` of the plugin named `plugin`, of every
    /// processor node that runs it, after checking that every DSL node calling it finds its
    /// function there: the trial of a reload. Nothing is installed; on a failure the
    /// instances made so far are closed and the error is thrown.
    public func prepareReload(of plugin: String, to description: PluginDescription) throws -> PreparedReload {
        var prepared = PreparedReload(plugin: plugin, description: description)
        do {
            for case let node as ProcessorNode in nodes where node.plugin == plugin {
                prepared.instances.append(
                    (
                        node,
                        try ProcessorNode.makeInstance(
                            node.processor, config: node.config, description: description, taskId: taskId,
                            applicationId: applicationId,
                            stores: stores, environment: environment)
                    ))
            }
            for caller in functionCallers where caller.function.plugin == plugin {
                _ = try FunctionCaller.entry(of: caller.function, in: description)
            }
        } catch {
            prepared.instances.forEach { $0.instance.close() }
            throw error
        }
        return prepared
    }

    /// Installs a prepared reload: the new instances replace (and close) the old ones, and
    /// DSL nodes call the new build's functions. Returns how many records the replaced
    /// instances processed.
    public func install(_ prepared: PreparedReload) throws -> Int {
        var processed = 0
        for (node, instance) in prepared.instances {
            let (old, count) = node.replace(with: instance)
            old.close()
            processed += count
        }
        for caller in functionCallers where caller.function.plugin == prepared.plugin {
            try caller.replaceEntry(from: prepared.description)
        }
        return processed
    }

    /// Every plugin function the graph calls: its function nodes', aggregators', sources' extractors, joiners and key selectors.
    private var functionCallers: [FunctionCaller] {
        nodes.flatMap { node -> [FunctionCaller] in
            switch node {
            case let function as FunctionNode: [function.caller]
            case let aggregation as AggregationNode:
                [(aggregation.aggregator as? FunctionAggregator)?.caller].compactMap { $0 }
            case let source as SourceNode: [source.extractor].compactMap { $0 }
            case let join as JoinNode: join.callers
            case let subscribe as ForeignKeySubscribeNode: [subscribe.extractor.caller].compactMap { $0 }
            default: []
            }
        }
    }

    // MARK: - Nodes

    private static func node(
        for declared: Topology.Node, taskId: String, applicationId: String, plugins: [String: PluginDescription],
        stores: [String: HostStore], timestamped: Set<String>, environment: TaskEnvironment,
        makeNode: (Topology.Node) throws -> GraphNode?
    ) throws -> GraphNode {
        func plugin(_ name: String) throws -> PluginDescription {
            guard let plugin = plugins[name] else {
                throw GraphError("node \(declared.name) needs plugin \(name), which is not loaded")
            }
            return plugin
        }
        let lookup = TaskStoreLookup(
            stores: stores, node: declared.name, taskId: taskId, timestamped: timestamped)
        func keyValueStore(_ declaration: StoreDeclaration) throws -> any KeyValueStorage {
            try lookup.keyValue(declaration.name)
        }
        func entry(_ function: Topology.PluginFunction) throws -> UnsafePointer<eddy_node> {
            try FunctionCaller.entry(of: function, in: try plugin(function.plugin))
        }
        switch declared.kind {
        case .source(let source), .tableSource(let source, _):
            let node: SourceNode
            if case .tableSource(_, let store) = declared.kind {
                node = TableSourceNode(name: declared.name, store: try lookup.table(store.name))
            } else {
                node = SourceNode(name: declared.name)
            }
            if case .extractor(let function) = source.timestamp {
                node.extractor = FunctionCaller(
                    function: function, entry: try entry(function), node: node, taskId: taskId,
                    applicationId: applicationId,
                    allowsSeveralOutputs: false)
            }
            return node
        case .passthrough:
            return PassthroughNode(name: declared.name)
        case .processor(let pluginName, let processor, let config):
            let description = try plugin(pluginName)
            return try ProcessorNode(
                name: declared.name, plugin: pluginName, processor: processor, config: config, description: description,
                taskId: taskId, applicationId: applicationId, stores: stores, environment: environment)
        case .function(let function, let operation):
            let name = declared.name
            switch operation {
            case .filter(let negate, let table):
                return FilterNode(
                    name: name, function: function, entry: try entry(function), taskId: taskId,
                    applicationId: applicationId, negate: negate,
                    table: table)
            case .map, .flatMap, .mapValues, .flatMapValues, .selectKey:
                return EmitNode(
                    name: name, function: function, entry: try entry(function), taskId: taskId,
                    applicationId: applicationId, operation: operation)
            case .peek, .foreach:
                return PeekNode(
                    name: name, function: function, entry: try entry(function), taskId: taskId,
                    applicationId: applicationId)
            case .branch(let branches):
                return BranchNode(
                    name: name, function: function, entry: try entry(function), taskId: taskId,
                    applicationId: applicationId, branches: branches)
            }
        case .aggregate(let aggregation):
            let aggregator: Aggregator
            switch aggregation.fold {
            case .count:
                aggregator = CountAggregator()
            case .function(let function, let reduce):
                let caller = FunctionCaller(
                    function: function, entry: try entry(function), node: nil, taskId: taskId,
                    applicationId: applicationId,
                    allowsSeveralOutputs: false)
                let node = try aggregationNode(
                    declared, aggregation, FunctionAggregator(caller: caller, isReduce: reduce), stores: stores,
                    taskId: taskId)
                // Failures of the plugin's function are reported at the aggregation node.
                caller.node = node
                return node
            case .typed:
                guard let node = try makeNode(declared) else {
                    throw GraphError("node \(declared.name) (\(declared.kind.summary)) cannot run here")
                }
                return node
            }
            return try aggregationNode(declared, aggregation, aggregator, stores: stores, taskId: taskId)
        case .suppress(let suppression):
            return SuppressNode(
                name: declared.name, store: try keyValueStore(suppression.store), suppression: suppression)
        case .toTable(let store):
            return ToTableNode(name: declared.name, store: try lookup.table(store.name))
        case .join(let join):
            return try JoinNode.make(
                declared, join, lookup: lookup, taskId: taskId, applicationId: applicationId, entry: entry)
        case .foreignKey(let step):
            return try ForeignKeySteps.node(
                declared, step, lookup: lookup, taskId: taskId, applicationId: applicationId, entry: entry)
        case .globalTable:
            throw GraphError(
                "node \(declared.name) is a global table, which a built topology keeps outside its sub-topologies")
        case .repartition:
            throw GraphError(
                "node \(declared.name) is a repartition, which a built topology splits into a sink and a source")
        case .sink, .builtin:
            guard let node = try makeNode(declared) else {
                throw GraphError("node \(declared.name) (\(declared.kind.summary)) cannot run here")
            }
            return node
        }
    }

    /// The node of an aggregation: per key, or per time, sliding or session window, over the
    /// task's store of it (per key: with timestamps when the store is declared
    /// `timestamped:<serde>`, as `Topology.build` declares it).
    public static func aggregationNode(
        _ declared: Topology.Node, _ aggregation: Topology.Aggregation, _ aggregator: Aggregator,
        stores: [String: HostStore],
        taskId: String
    ) throws -> GraphNode {
        let name = aggregation.store.name
        let lookup = TaskStoreLookup(stores: stores, node: declared.name, taskId: taskId)
        guard let window = aggregation.window else {
            let store = TableStore(
                try lookup.keyValue(name), timestamped: Topology.isTimestamped(valueSerde: aggregation.store.valueSerde)
            )
            return KeyAggregateNode(name: declared.name, store: store, aggregator: aggregator)
        }
        switch window.kind {
        case .time(let size, let advance):
            return TimeWindowAggregateNode(
                name: declared.name, store: try lookup.window(name), aggregator: aggregator, size: size,
                advance: advance, grace: window.grace)
        case .sliding(let difference):
            return SlidingWindowAggregateNode(
                name: declared.name, store: try lookup.window(name), aggregator: aggregator, difference: difference,
                grace: window.grace)
        case .session(let gap):
            return SessionWindowAggregateNode(
                name: declared.name, store: try lookup.session(name), aggregator: aggregator, gap: gap,
                grace: window.grace)
        }
    }
}

/// The new build's instances for one task, made before a reload is installed.
public struct PreparedReload {
    public let plugin: String
    public let description: PluginDescription
    var instances: [(node: ProcessorNode, instance: ProcessorInstance)] = []

    init(plugin: String, description: PluginDescription) {
        self.plugin = plugin
        self.description = description
    }

    /// Closes the instances of a reload that will not be installed.
    public func discard() {
        instances.forEach { $0.instance.close() }
    }
}

/// A task's graph could not be built or run: a message naming the node and what is wrong.
public struct GraphError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
