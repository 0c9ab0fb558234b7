import EddyEngine
import EddyHost
import EddyKafka
import EddyPlugins
import EddySDK
import Foundation
import Logging

/// One sub-topology running for one partition (Kafka Streams' `StreamTask`): its graph of
/// nodes (from `EddyEngine`, with the host's sinks and built-ins), its stores, its input
/// partitions and the positions to commit, and the error policy for records that fail.
///
/// Records arrive in runs (one partition's records of one fetch): the task checks each
/// against its source's serdes, takes its event time, and hands the good ones to the
/// graph as one run. Used only by the stream thread that owns it.
final class StreamTask: TaskEnvironment {
    /// One input partition of the task: resolved once, then addressed by index per run.
    struct Input {
        let partition: KafkaTopicPartition
        let source: SourceNode
        let sourceName: String
        let spec: Topology.Source
        /// The checks of the source's key and value serdes, made once.
        let keyCheck: SerdeCheck
        let valueCheck: SerdeCheck
        /// The JSON field holding event time, when the source takes it from one.
        var timestampField: String? {
            if case .jsonField(let field) = spec.timestamp { return field }
            return nil
        }
        /// The topic's name as `eddy_record` shows it.
        let topicName: PermanentText
        /// The next offset to commit, -1 before the first record.
        var next: Int64 = -1
    }

    let id: TaskId
    let subTopology: Topology.SubTopology
    private(set) var graph: TaskGraph!
    let stores: [TaskStore]
    /// The worker's global stores, read-only, which the task's global-table joins read.
    let globalStores: [GlobalStoreView]
    let collector: RecordCollector
    let errorHandler: AppConfig.ErrorHandler
    /// The handler of records a processor rejects (`processing.exception.handler`).
    let processingHandler: AppConfig.ErrorHandler
    let deadLetterTopic: String
    let logger: Logger
    let clock: WallClock
    /// The owning thread's counters (records handed to the error handler, dropped records).
    let metrics: ThreadMetrics
    let applicationId: String
    /// The build of each plugin the task runs, and its output header.
    private var versions: [String: (version: PluginVersion, headers: [KafkaHeader])] = [:]
    private(set) var inputs: [Input] = []
    /// The JSON index of the current run's values, shared by the built-ins.
    let jsonIndex = JSONIndexCache()
    /// The run being processed and its input, for error reports.
    private var current: (run: KafkaRecordRun, input: Int)?
    /// The graph's view of the current run, and stream time as of each of its records.
    private let sourceRun = RunBuffer()
    private var streamTimes: [Int64] = []
    /// Whether the graph has processor nodes, which see stream-time punctuations.
    private let hasProcessors: Bool
    /// When a dropped record was last logged (ms), to bound the rate.
    private var lastDropLog: Int64 = 0
    /// Records this task's operators skipped (`dropped-records-total` per task), and the time
    /// the thread spent processing its runs (ns; `active-process-ratio`): owned by the thread,
    /// copied for `/metrics` once a second.
    var droppedRecords = 0
    var processNanos = 0
    /// The buffers that put the records of a task reading several partitions in timestamp
    /// order (see ``PartitionGroup``); nil for a task of one partition, whose runs the thread
    /// hands straight to ``process(_:input:)``.
    var partitionGroup: PartitionGroup?

    init(
        id: TaskId, subTopology: Topology.SubTopology, config: AppConfig, plugins: [String: LoadedPlugin],
        stores: [TaskStore], collector: RecordCollector, clock: WallClock, metrics: ThreadMetrics, logger: Logger,
        globalStores: [GlobalStoreView] = []
    ) throws {
        self.id = id
        self.subTopology = subTopology
        self.stores = stores
        self.globalStores = globalStores
        self.collector = collector
        self.errorHandler = config.errorHandler
        self.processingHandler = config.operations.processingHandler
        self.deadLetterTopic = config.deadLetterTopic
        self.logger = logger
        self.clock = clock
        self.metrics = metrics
        self.applicationId = config.applicationId
        hasProcessors = subTopology.nodes.contains { if case .processor = $0.kind { true } else { false } }
        for (name, plugin) in plugins { versions[name] = Self.version(plugin) }
        var hostStores = Self.hostStores(of: stores)
        for global in globalStores {
            hostStores[global.store.name] = HostStore(name: global.store.name, storage: .keyValue(global))
        }
        let stamp = config.pluginVersionHeader
        graph = try TaskGraph(
            subTopology: subTopology, taskId: id.description, applicationId: config.applicationId,
            plugins: plugins.mapValues(\.description), stores: hostStores, environment: self
        ) { [unowned self] node in try makeNode(node, plugins: plugins, stores: hostStores, stamp: stamp) }
        for store in stores { store.streamTime = { [unowned self] in graph.recordStreamTime } }
    }

    // MARK: - Processing

    /// The index of input partition `partition` of `topic`, for ``process(_:input:)``.
    func input(topic: String, partition: Int32) throws -> Int {
        let tp = KafkaTopicPartition(topic: topic, partition: partition)
        if let known = inputs.firstIndex(where: { $0.partition == tp }) { return known }
        guard let source = graph.sources[topic], let node = subTopology.node(source.name),
            let spec = node.kind.sourceSpec
        else {
            throw ProcessingFailed(
                description: "task \(id) received a record of \(topic), which none of its sources reads")
        }
        inputs.append(
            Input(
                partition: tp, source: source, sourceName: source.name, spec: spec,
                keyCheck: SerdeCheck(serde: spec.keySerde),
                valueCheck: SerdeCheck(serde: spec.valueSerde), topicName: PermanentText(topic)))
        return inputs.count - 1
    }

    /// Processes a run of records (borrowed for the call) of input partition `input` (see
    /// ``input(topic:partition:)``): checks each against the source's serdes, takes its event
    /// time, runs the good ones through the graph, and records the offset for the next
    /// commit. Throws when the `fail` handler stops processing. `eventTimes`, when given, holds
    /// the event time a ``PartitionGroup`` took of each record (-1: none), which it keeps.
    func process(_ run: borrowing KafkaRecordRun, input: Int, eventTimes: UnsafePointer<Int64>? = nil) throws {
        current = (copy run, input)
        defer { current = nil }
        jsonIndex.begin(count: run.count)
        if streamTimes.count < run.count {
            streamTimes.append(contentsOf: repeatElement(-1, count: run.count - streamTimes.count))
        }
        // What every record of the run needs, read once.
        let checks = (key: inputs[input].keyCheck, value: inputs[input].valueCheck)
        let timestampField = inputs[input].timestampField
        let topic = inputs[input].topicName.slice
        var time = graph.streamTime
        // Stream-time punctuations fire between the records that make them due, as when
        // records are processed one by one: the run is cut there.
        var due = hasProcessors ? graph.nextStreamTimePunctuation : nil
        let source = inputs[input].source
        for position in 0..<run.count {
            let record = run[position]
            streamTimes[position] = time
            let origin = Int32(position)
            let known = eventTimes?[position] ?? -1
            guard
                var timestamp = try checked(
                    record, checks: checks, timestampField: timestampField, known: known, input: input, origin: origin)
            else {
                continue
            }
            sourceRun.append(
                eddy_record(
                    struct_size: recordStructSize, key: eddy_bytes(record.key), value: eddy_bytes(record.value),
                    timestamp: timestamp,
                    topic: topic, partition: record.partition, offset: record.offset, headers: nil, header_count: 0),
                headers: record.headers.map { ($0.key, $0.value) }, origin: origin)
            if source.extractor != nil, known < 0 {
                // The plugin's extractor sees the record as the graph will, headers included.
                let last = sourceRun.count - 1
                guard let extracted = try source.eventTime(of: sourceRun.run[last], origin: origin) else {
                    sourceRun.truncate(to: last)
                    continue
                }
                timestamp = extracted
                sourceRun.setLastTimestamp(extracted)
            }
            let advanced = timestamp > time
            time = max(time, timestamp)
            streamTimes[position] = time
            if advanced, let next = due, time >= next {
                try runGraph(input: input)
                try punctuate(.streamTime, now: time)
                due = graph.nextStreamTimePunctuation
            }
        }
        inputs[input].next = run[run.count - 1].offset + 1
        try runGraph(input: input)
    }

    /// Runs the records collected so far through the graph.
    private func runGraph(input: Int) throws {
        guard sourceRun.count > 0 else { return }
        defer { sourceRun.reset() }
        try streamTimes.withUnsafeBufferPointer { times in
            try graph.process(sourceRun.run, from: inputs[input].source, streamTimes: times.baseAddress!)
        }
        if let error = storeFailure() { throw error }
    }

    /// The record's event time when it reads as its source's serdes say, else nil after
    /// handing it to the error handler. `known` ≥ 0 is the event time a partition group took.
    private func checked(
        _ record: KafkaRecordView, checks: (key: SerdeCheck, value: SerdeCheck), timestampField: String?,
        known: Int64 = -1, input: Int, origin: Int32
    ) throws -> Int64? {
        let key = record.key, value = record.value
        // A JSON object value is validated by indexing it, which the built-ins then reuse.
        let isJSON: Bool = if case .json = checks.value { true } else { false }
        let valueChecked = isJSON && value.map { jsonIndex.object($0, origin: origin) != nil } ?? false
        if let problem = checks.key.problem(key) {
            let spec = inputs[input].spec
            try handle(
                deserialization: "key is \(problem) (key.serde: \(spec.keySerde))", record: record, input: input,
                origin: origin)
            return nil
        }
        if !valueChecked, let problem = checks.value.problem(value) {
            let spec = inputs[input].spec
            try handle(
                deserialization: "value is \(problem) (value.serde: \(spec.valueSerde))", record: record, input: input,
                origin: origin)
            return nil
        }
        if known >= 0 { return known }
        guard let field = timestampField else {
            guard record.timestamp >= 0 else {
                try handle(
                    deserialization:
                        "the record's timestamp is negative (\(record.timestamp)); event time cannot be before 1970 — set a timestamp.extractor",
                    record: record, input: input, origin: origin)
                return nil
            }
            return record.timestamp
        }
        guard let extracted = jsonTimestamp(value, field: field, origin: origin), extracted >= 0 else {
            try handle(
                deserialization: "value has no numeric, non-negative timestamp field '\(field)' (timestamp.field)",
                record: record, input: input,
                origin: origin)
            return nil
        }
        return extracted
    }

    /// A storage error (or a write to a global store) met inside a plugin call, once.
    private func storeFailure() -> (any Error)? {
        stores.lazy.compactMap { $0.takeFailure() }.first ?? globalStores.lazy.compactMap { $0.takeFailure() }.first
    }

    /// Fires wall-clock punctuations that are due.
    func punctuateWallClock(now: Int64) throws {
        guard hasProcessors else { return }
        try punctuate(.wallClockTime, now: now)
    }

    private func punctuate(_ type: PunctuationType, now: Int64) throws {
        do {
            let start = ContinuousClock.now
            let fired = try graph.punctuate(type, now: now)
            if fired > 0 {
                metrics.punctuations.add(fired, ordering: .relaxed)
                metrics.punctuateNanos.add((ContinuousClock.now - start).nanoseconds, ordering: .relaxed)
            }
        } catch let error as GraphError {
            throw ProcessingFailed(description: error.description)
        }
        if let error = storeFailure() { throw error }
    }

    /// Sends the store updates since the last commit (latest value per key) to the changelog
    /// topics, inside the current transaction under exactly-once.
    func flushChangelogs(_ ends: ChangelogEnds) throws {
        for store in stores where store.dirtyEntryCount > 0 {
            guard let changelog = store.changelog, store.writesChangelog else { continue }
            let topic = try collector.topic(named: changelog.topic)
            let tag = ends.tag(for: changelog)
            try store.forEachChangelogRecord { key, value in
                try collector.send(
                    to: topic, partition: changelog.partition, key: key, value: value, headers: [],
                    timestamp: graph.streamTime, tag: tag)
            }
        }
        graph.clearCommitRequests()
    }

    /// The next offset to commit, per input partition that has seen a record.
    var positions: [KafkaTopicPartition: Int64] {
        Dictionary(uniqueKeysWithValues: inputs.lazy.filter { $0.next >= 0 }.map { ($0.partition, $0.next) })
    }

    /// Set when a processor asks for a commit.
    var commitRequested: Bool { graph.commitRequested }

    /// Whether a store's record cache is full, so the thread should commit now.
    var storesNeedCommit: Bool { stores.contains { $0.needsCommit } }

    /// Closes every processor instance (`close` entry). The stores stay with the caller.
    func close() {
        graph.close()
    }

    // MARK: - Hot reload

    /// New instances of every processor node that runs the plugin named `name`, from
    /// `plugin`, and a check that its DSL functions are there: the trial of a reload.
    /// Nothing is installed; on a failure what was made is closed and the error thrown.
    func prepareReload(of name: String, to plugin: LoadedPlugin) throws -> PreparedReload {
        for node in graph.nodes {
            for call in Self.functionCalls(node) where call.plugin == name {
                _ = try plugin.function(named: call.function)
            }
        }
        return try graph.prepareReload(of: name, to: plugin.description)
    }

    /// Installs a prepared reload, and points the built-ins that call `name`'s typed
    /// functions at `plugin`. Returns how many records the replaced build processed.
    func installReload(of name: String, to plugin: LoadedPlugin, _ prepared: PreparedReload) throws -> [PluginVersion:
        Int]
    {
        let replaced = versions[name]?.version
        let processed = try graph.install(prepared)
        for node in graph.nodes {
            switch node {
            case let filter as JSONFilterNode where filter.call.plugin == name:
                filter.caller = try plugin.function(named: filter.call.function)
            case let map as JSONMapValuesNode where map.call.plugin == name:
                map.caller = try plugin.function(named: map.call.function)
            case let node where (Self.jsonAggregator(node)?.spec.function.plugin == name):
                let aggregator = Self.jsonAggregator(node)!
                aggregator.caller = try plugin.function(named: aggregator.spec.function.function)
            case let branch as JSONBranchNode:
                for (index, spec) in branch.branches.enumerated() where spec.function?.plugin == name {
                    branch.callers[index] = try plugin.function(named: spec.function!.function)
                }
            default:
                continue
            }
        }
        versions[name] = Self.version(plugin)
        return replaced.map { [$0: processed] } ?? [:]
    }

    /// The typed functions a built-in or a typed aggregation calls.
    private static func functionCalls(_ node: GraphNode) -> [FunctionCall] {
        switch node {
        case let filter as JSONFilterNode: [filter.call]
        case let map as JSONMapValuesNode: [map.call]
        case let branch as JSONBranchNode: branch.branches.compactMap(\.function)
        default: jsonAggregator(node).map { [$0.spec.function] } ?? []
        }
    }

    /// The JSON aggregator of a typed aggregation's node.
    private static func jsonAggregator(_ node: GraphNode) -> JSONAggregator? {
        (node as? AggregationNode)?.aggregator as? JSONAggregator
    }

    // MARK: - TaskEnvironment

    func reject(origin: Int32, reason: String, node: String, plugin: String?) throws {
        guard origin >= 0, let (run, input) = current else {
            throw ProcessingFailed(description: "\(node) failed outside a record: \(reason)")
        }
        let record = run[Int(origin)]
        try handle(
            RecordFailure(
                kind: .processor, reason: reason, topic: inputs[input].partition.topic, partition: record.partition,
                offset: record.offset,
                node: node, plugin: plugin.flatMap { versions[$0]?.version.description }),
            record: record)
    }

    func dropped(origin: Int32, node: String, reason: String) {
        metrics.dropped.add(1, ordering: .relaxed)
        droppedRecords += 1
        let now = clock.now()
        guard now - lastDropLog >= 10_000 else { return }
        lastDropLog = now
        logger.warning(
            "\(node) skipped a record: \(reason) (counted in dropped records; logged at most every 10 s)",
            metadata: ["task": "\(id)"])
    }

    var wallClockTime: Int64 { clock.now() }

    func log(_ level: LogLevel, _ message: String, node: String) {
        let swiftLevel: Logger.Level =
            switch level {
            case .trace: .trace
            case .debug: .debug
            case .info: .info
            case .warn: .warning
            default: .error
            }
        logger.log(level: swiftLevel, "\(message)", metadata: ["task": "\(id)", "node": "\(node)"])
    }

    // MARK: - Errors

    private func handle(deserialization reason: String, record: KafkaRecordView, input: Int, origin: Int32) throws {
        try handle(
            RecordFailure(
                kind: .deserialization, reason: reason, topic: inputs[input].partition.topic,
                partition: record.partition,
                offset: record.offset, node: inputs[input].sourceName, plugin: nil),
            record: record)
    }

    /// Sends a failed record to its handler (`processing.exception.handler` for a record a
    /// processor rejected, `default.deserialization.exception.handler` otherwise); a `fail`
    /// handler (or a dead-letter write that fails) stops processing.
    private func handle(_ failure: RecordFailure, record: KafkaRecordView) throws {
        metrics.failed.add(1, ordering: .relaxed)
        let (handler, key) =
            failure.kind == .processor
            ? (processingHandler, "processing.exception.handler")
            : (errorHandler, "default.deserialization.exception.handler")
        switch handler {
        case .fail:
            throw ProcessingFailed(description: "\(failure.description) — stopping (\(key): fail)")
        case .logAndContinue:
            logger.warning("skipping record: \(failure.description)", metadata: ["task": "\(id)"])
        case .deadLetter:
            logger.warning(
                "dead-lettering record to \(deadLetterTopic): \(failure.description)", metadata: ["task": "\(id)"])
            try collector.send(
                to: collector.topic(named: deadLetterTopic), partition: nil, key: record.key, value: record.value,
                headers: record.headers + failure.headers, timestamp: graph.streamTime)
        }
    }

    /// Numeric field `field` of the JSON value, as a timestamp in ms; nil when there is none.
    private func jsonTimestamp(_ value: UnsafeRawBufferPointer?, field: String, origin: Int32) -> Int64? {
        guard let value, jsonIndex.object(value, origin: origin) != nil,
            let range = JSONScanner.find(field, in: jsonIndex.members(origin: origin), of: value)
        else { return nil }
        switch try? JSONScanner.value(value, range) {
        case .integer(let i)?: return i
        case .number(let d)?: return Int64(d)
        default: return nil
        }
    }

    // MARK: - Nodes

    /// The host's nodes: sinks and the application file's built-ins.
    private func makeNode(
        _ node: Topology.Node, plugins: [String: LoadedPlugin], stores: [String: HostStore], stamp: Bool
    ) throws -> GraphNode? {
        switch node.kind {
        case .aggregate(let aggregation):
            guard case .typed(let spec) = aggregation.fold else { return nil }
            let aggregator = try JSONAggregator(
                spec: spec, caller: try plugins[spec.function.plugin]!.function(named: spec.function.function),
                index: jsonIndex)
            return try TaskGraph.aggregationNode(node, aggregation, aggregator, stores: stores, taskId: id.description)
        case .sink(let sink):
            return KafkaSinkNode(
                name: node.name, topic: try collector.topic(named: sink.topic), collector: collector,
                stamp: stamp ? { [unowned self] plugin in versions[plugin]?.headers ?? [] } : nil)
        case .builtin(let builtin):
            func caller(_ call: FunctionCall) throws -> TypedFunctionCaller {
                try plugins[call.plugin]!.function(named: call.function)
            }
            switch builtin {
            case .filter(let call):
                return JSONFilterNode(name: node.name, call: call, caller: try caller(call), index: jsonIndex)
            case .mapValues(let call, let field):
                return JSONMapValuesNode(
                    name: node.name, call: call, caller: try caller(call), outputField: field, index: jsonIndex)
            case .selectKey(let field):
                return JSONSelectKeyNode(name: node.name, field: field, index: jsonIndex)
            case .branch(let branches):
                return JSONBranchNode(
                    name: node.name, branches: branches, callers: try branches.map { try $0.function.map(caller) },
                    index: jsonIndex)
            }
        default:
            return nil
        }
    }

    /// The task's stores as processors and operators see them, by name.
    private static func hostStores(of stores: [TaskStore]) -> [String: HostStore] {
        var result: [String: HostStore] = [:]
        for store in stores {
            switch store.storage {
            case .keyValue: result[store.name] = HostStore(name: store.name, storage: .keyValue(store))
            case .window: result[store.name] = HostStore(name: store.name, storage: .window(store))
            case .session: result[store.name] = HostStore(name: store.name, storage: .session(store))
            }
        }
        return result
    }

    static func version(_ plugin: LoadedPlugin) -> (version: PluginVersion, headers: [KafkaHeader]) {
        let version = PluginVersion(plugin)
        return (version, [version.header])
    }
}

/// A NUL-terminated UTF-8 copy of a string that never moves, for `eddy_str` views.
final class PermanentText {
    private let bytes: UnsafeMutableBufferPointer<CChar>

    init(_ text: String) {
        let utf8 = Array(text.utf8CString)
        bytes = .allocate(capacity: utf8.count)
        _ = bytes.initialize(from: utf8)
    }

    deinit { bytes.deallocate() }

    /// The text without its terminating NUL.
    var slice: eddy_str { eddy_str(ptr: UnsafePointer(bytes.baseAddress), len: bytes.count - 1) }
}

extension eddy_bytes {
    /// A view of `buffer` (absent for nil).
    init(_ buffer: UnsafeRawBufferPointer?) {
        guard let buffer else {
            self.init(ptr: nil, len: 0)
            return
        }
        self.init(borrowing: buffer)
    }
}
