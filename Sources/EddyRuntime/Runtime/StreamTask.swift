import EddyHost
import EddyKafka
import EddyPlugins
import EddySDK
import Foundation
import Logging

/// One sub-topology running for one partition: its nodes (plugin processor instances,
/// built-in operators, sinks), its stores, its stream time and its consumed positions.
///
/// Used only by the stream thread that owns it. Records travel between nodes as borrowed
/// `eddy_record` views: a plugin's `forward` reaches its children without a copy.
final class StreamTask {
    enum Action {
        case source(SourceSpec.Timestamp, keySerde: SerdeName, valueSerde: SerdeName)
        case plugin(PluginNode)
        case filter(TypedFunctionCaller, FunctionCall)
        case mapValues(TypedFunctionCaller, FunctionCall, outputField: OutputField)
        case selectKey(field: String)
        case aggregate(Aggregation)
        case sink(KafkaProducerTopic)
    }

    /// A class, so that visiting a node per record retains one reference instead of copying
    /// its fields; its action is a `let` (a reload replaces the node), so a visit borrows it.
    final class Node {
        let name: String
        let action: Action
        let children: [Int]
        let childIndex: [String: Int]

        init(name: String, action: Action, children: [Int], childIndex: [String: Int]) {
            self.name = name
            self.action = action
            self.children = children
            self.childIndex = childIndex
        }

        /// This node running `action` instead.
        func replacing(_ action: Action) -> Node {
            Node(name: name, action: action, children: children, childIndex: childIndex)
        }
    }

    /// One input partition of the task: resolved once, then addressed by index per record.
    struct Input {
        let partition: KafkaTopicPartition
        let source: Int
        let timestamp: SourceSpec.Timestamp
        let keySerde: SerdeName
        let valueSerde: SerdeName
        /// The topic's name as `eddy_record` shows it (NUL-terminated UTF-8, made once).
        let topicName: ContiguousArray<CChar>
        /// The next offset to commit, -1 before the first record.
        var next: Int64 = -1
    }

    let id: TaskId
    let subTopology: Topology.SubTopology
    private(set) var nodes: [Node] = []
    private var sourceByTopic: [String: Int] = [:]
    let stores: [TaskStore]
    let collector: RecordCollector
    let errorHandler: AppConfig.ErrorHandler
    let deadLetterTopic: String
    let logger: Logger
    let clock: WallClock
    /// The owning thread's counters (records handed to the error handler).
    let metrics: ThreadMetrics

    /// The largest record timestamp seen (ms), -1 before the first record.
    private(set) var streamTime: Int64 = -1
    private var inputs: [Input] = []
    /// The next offset to commit, per input partition that has seen a record.
    var positions: [KafkaTopicPartition: Int64] {
        Dictionary(uniqueKeysWithValues: inputs.lazy.filter { $0.next >= 0 }.map { ($0.partition, $0.next) })
    }
    /// Set when a processor asks for a commit.
    var commitRequested: Bool { nodes.contains { if case .plugin(let p) = $0.action { p.instance.context.commitRequested } else { false } } }
    /// Whether outputs carry the `eddy.plugin.version` header.
    let versionHeader: Bool
    /// The index of the plugin node whose `process` is running (-1: none), for the version header.
    private var activePlugin = -1
    /// The task's stores as processors see them, shared by every build of a processor.
    private var hostStores: [String: HostStore] = [:]
    let applicationId: String

    /// The record being processed and its input, for error reports (valid during ``process(_:input:)``).
    private var current: (record: KafkaRecordView, input: Int)?
    /// Identifies the record being delivered: a new one for each record entering the graph
    /// (from the source, a plugin's `forward`, or a built-in's transformed copy).
    private var delivery = 0
    private var lastDelivery = 0
    /// The JSON arguments last read and for which delivery: a filter and a map_values on the
    /// same record read its fields once.
    private var lastArguments: (delivery: Int, fields: [String], values: [JSONValue])?
    /// The members of the JSON object value of the delivery `jsonObject.delivery`: the value
    /// is scanned once per delivery however many built-ins read it.
    private var jsonMembers: [JSONScanner.IndexedMember] = []
    private var jsonObject: (delivery: Int, end: Int, empty: Bool)?
    /// Per node, the buffer a built-in writes its transformed key or value into.
    private var outputBuffers: [[UInt8]] = []
    /// The plugin nodes, which see stream time and punctuations.
    private var pluginNodes: [(node: Int, plugin: PluginNode)] = []
    /// An error raised inside the node graph (C callbacks cannot throw).
    private var pendingError: Error?

    init(
        id: TaskId, subTopology: Topology.SubTopology, config: AppConfig, plugins: [String: LoadedPlugin],
        stores: [TaskStore], collector: RecordCollector, clock: WallClock, metrics: ThreadMetrics, logger: Logger
    ) throws {
        self.metrics = metrics
        self.id = id
        self.clock = clock
        self.subTopology = subTopology
        self.stores = stores
        self.collector = collector
        self.errorHandler = config.errorHandler
        self.deadLetterTopic = config.deadLetterTopic
        self.logger = logger
        self.versionHeader = config.pluginVersionHeader
        self.applicationId = config.applicationId
        let index = Dictionary(uniqueKeysWithValues: subTopology.nodes.enumerated().map { ($1.name, $0) })
        let storeByName = Dictionary(uniqueKeysWithValues: stores.map { ($0.name, $0) })
        for node in subTopology.nodes {
            let children = node.children.compactMap { index[$0] }
            let childIndex = Dictionary(uniqueKeysWithValues: node.children.compactMap { name in index[name].map { (name, $0) } })
            let action: Action
            switch node.kind {
            case .source(let topics, let keySerde, let valueSerde, let timestamp):
                for topic in topics { sourceByTopic[topic] = nodes.count }
                action = .source(timestamp, keySerde: keySerde, valueSerde: valueSerde)
            case .plugin(let pluginName, let processorName, let given):
                let plugin = plugins[pluginName]!
                for declaration in plugin.processor(named: processorName)!.stores where hostStores[declaration.name] == nil {
                    if declaration.kind == .session {
                        hostStores[declaration.name] = HostStore(
                            name: declaration.name, storage: .window(InMemoryWindowStore(windowSize: declaration.windowSizeMilliseconds)))
                        continue
                    }
                    guard let store = storeByName[declaration.name] else {
                        throw ProcessingFailed(description: "store \(declaration.name) of \(processorName) was not created for task \(id)")
                    }
                    if case .window = store.storage {
                        store.streamTime = { [unowned self] in self.streamTime }
                        hostStores[declaration.name] = HostStore(name: declaration.name, storage: .window(store))
                    } else {
                        hostStores[declaration.name] = HostStore(name: declaration.name, storage: .keyValue(store))
                    }
                }
                action = .plugin(PluginNode(
                    plugin: pluginName, processor: processorName, config: given,
                    instance: try makeInstance(nodeIndex: nodes.count, plugin: plugin, processor: processorName, config: given),
                    version: PluginVersion(plugin)))
            case .filter(let call):
                action = .filter(try plugins[call.plugin]!.function(named: call.function), call)
            case .mapValues(let call, let field):
                action = .mapValues(try plugins[call.plugin]!.function(named: call.function), call, outputField: OutputField(field))
            case .selectKey(let field):
                action = .selectKey(field: field)
            case .aggregate(let spec):
                guard let store = storeByName[spec.store] else {
                    throw ProcessingFailed(description: "store \(spec.store) of \(node.name) was not created for task \(id)")
                }
                action = .aggregate(try Aggregation(
                    spec: spec, store: store,
                    caller: try spec.function.map { try plugins[$0.plugin]!.function(named: $0.function) }))
            case .sink(let topic, _, _):
                action = .sink(try collector.topic(named: topic))
            }
            if case .plugin(let plugin) = action { pluginNodes.append((nodes.count, plugin)) }
            outputBuffers.append([])
            nodes.append(Node(name: node.name, action: action, children: children, childIndex: childIndex))
        }
    }

    // MARK: - Processing

    /// The index of input partition `partition` of `topic`, for ``process(_:input:)``.
    func input(topic: String, partition: Int32) throws -> Int {
        let tp = KafkaTopicPartition(topic: topic, partition: partition)
        if let known = inputs.firstIndex(where: { $0.partition == tp }) { return known }
        guard let sourceIndex = sourceByTopic[topic], case .source(let timestamp, let keySerde, let valueSerde) = nodes[sourceIndex].action else {
            throw ProcessingFailed(description: "task \(id) received a record of \(topic), which none of its sources reads")
        }
        inputs.append(Input(
            partition: tp, source: sourceIndex, timestamp: timestamp, keySerde: keySerde, valueSerde: valueSerde,
            topicName: ContiguousArray(topic.utf8CString)))
        return inputs.count - 1
    }

    /// Processes one record (borrowed for the call) of input partition `input` (see
    /// ``input(topic:partition:)``): checks it against the source's serdes, advances stream
    /// time, runs it through the graph, and records its offset for the next commit. Throws
    /// when the `fail` handler stops processing.
    func process(_ record: borrowing KafkaRecordView, input: Int) throws {
        let sourceIndex = inputs[input].source, timestampSource = inputs[input].timestamp
        let keySerde = inputs[input].keySerde, valueSerde = inputs[input].valueSerde
        let partition = record.partition, offset = record.offset
        let key = record.key, value = record.value
        inputs[input].next = offset + 1
        current = (copy record, input)
        defer { current = nil }
        lastDelivery += 1
        delivery = lastDelivery

        // A JSON object value is validated by indexing it, which the built-ins then reuse.
        let valueChecked = valueSerde == .json && value.map { indexedObject($0) != nil } ?? false
        if let problem = SerdeCheck.problem(key, as: keySerde).map({ "key is \($0) (key.serde: \(keySerde.rawValue))" })
            ?? (valueChecked ? nil : SerdeCheck.problem(value, as: valueSerde).map({ "value is \($0) (value.serde: \(valueSerde.rawValue))" }))
        {
            try handle(RecordFailure(
                kind: .deserialization, reason: problem, topic: inputs[input].partition.topic, partition: partition, offset: offset,
                node: nodes[sourceIndex].name, plugin: nil))
            return
        }
        var timestamp = record.timestamp
        if case .jsonField(let field) = timestampSource {
            guard let extracted = jsonTimestamp(value, field: field) else {
                try handle(RecordFailure(
                    kind: .deserialization, reason: "value has no numeric timestamp field '\(field)' (timestamp.field)",
                    topic: inputs[input].partition.topic, partition: partition, offset: offset, node: nodes[sourceIndex].name, plugin: nil))
                return
            }
            timestamp = extracted
        }
        let advanced = timestamp > streamTime
        if advanced {
            streamTime = timestamp
            for (_, plugin) in pluginNodes { plugin.instance.context.streamTime = timestamp }
        }

        let headers = record.headers
        withRecord(
            key: key, value: value, timestamp: timestamp, topic: inputs[input].topicName, partition: partition, offset: offset, headers: headers
        ) { eddyRecord in
            for child in nodes[sourceIndex].children { _ = deliver(child, eddyRecord) }
        }
        if let error = pendingError ?? stores.lazy.compactMap({ $0.takeFailure() }).first {
            pendingError = nil
            throw error
        }
        if advanced, !pluginNodes.isEmpty { try punctuate(.streamTime, now: streamTime) }
    }

    /// Fires wall-clock punctuations that are due.
    func punctuateWallClock(now: Int64) throws {
        try punctuate(.wallClockTime, now: now)
    }

    /// Sends the store updates since the last commit (latest value per key) to the changelog
    /// topics, inside the current transaction under exactly-once.
    func flushChangelogs(_ ends: ChangelogEnds) throws {
        for store in stores where store.dirtyEntryCount > 0 {
            guard let changelog = store.changelog else { continue }
            let topic = try collector.topic(named: changelog.topic)
            let tag = ends.tag(for: changelog)
            try store.forEachChangelogRecord { key, value in
                try collector.send(
                    to: topic, partition: changelog.partition, key: key, value: value, headers: [], timestamp: streamTime, tag: tag)
            }
        }
        for node in nodes { if case .plugin(let plugin) = node.action { plugin.instance.context.commitRequested = false } }
    }

    /// Whether a store's record cache is full, so the thread should commit now.
    var storesNeedCommit: Bool { stores.contains { $0.needsCommit } }

    /// Closes every processor instance (`close` entry). The stores stay with the caller.
    func close() {
        for node in nodes { if case .plugin(let plugin) = node.action { plugin.instance.close() } }
    }

    // MARK: - Plugin instances and hot reload

    /// Creates (`init`) an instance of `processor` from `plugin` for node `nodeIndex`, over the
    /// task's existing stores.
    func makeInstance(nodeIndex: Int, plugin: LoadedPlugin, processor: String, config: [String: String]) throws -> ProcessorInstance {
        guard let description = plugin.processor(named: processor) else {
            throw ProcessingFailed(description: "plugin \(plugin.name) \(plugin.version) has no processor '\(processor)'")
        }
        let resolved = try ConfigResolver.resolve(config, for: processor, declared: description.config)
        let context = TaskContext(
            task: self, nodeIndex: nodeIndex, applicationId: applicationId, config: resolved,
            stores: description.stores.compactMap { hostStores[$0.name] }, logger: logger)
        context.streamTime = streamTime
        return try ProcessorInstance(processor: description.entry, context: context)
    }

    /// New instances, from `plugin`, of every node that runs the plugin named `name` in the
    /// topology: the trial `init` of a reload. Nothing is installed; on a failure the
    /// instances created so far are closed and the error is thrown.
    func prepareReload(of name: String, to plugin: LoadedPlugin) throws -> [(node: Int, instance: ProcessorInstance)] {
        var prepared: [(node: Int, instance: ProcessorInstance)] = []
        do {
            for (index, node) in nodes.enumerated() {
                guard case .plugin(let current) = node.action, current.plugin == name else { continue }
                prepared.append((index, try makeInstance(nodeIndex: index, plugin: plugin, processor: current.processor, config: current.config)))
            }
        } catch {
            prepared.forEach { $0.instance.close() }
            throw error
        }
        return prepared
    }

    /// Installs prepared instances (closing the ones they replace) and points the built-in
    /// operators that call `name`'s typed functions at `plugin`. Returns, per replaced
    /// build, how many records it processed.
    func installReload(of name: String, to plugin: LoadedPlugin, _ prepared: [(node: Int, instance: ProcessorInstance)]) throws -> [PluginVersion: Int] {
        let version = PluginVersion(plugin)
        var processedByOld: [PluginVersion: Int] = [:]
        for (index, instance) in prepared {
            guard case .plugin(let node) = nodes[index].action else { continue }
            let replaced = node.version
            let (old, processed) = node.replace(with: instance, version: version)
            old.close()
            processedByOld[replaced, default: 0] += processed
        }
        for index in nodes.indices {
            switch nodes[index].action {
            case .filter(_, let call) where call.plugin == name:
                nodes[index] = nodes[index].replacing(.filter(try plugin.function(named: call.function), call))
            case .mapValues(_, let call, let field) where call.plugin == name:
                nodes[index] = nodes[index].replacing(.mapValues(try plugin.function(named: call.function), call, outputField: field))
            case .aggregate(let aggregation) where aggregation.spec.function?.plugin == name:
                aggregation.caller = try plugin.function(named: aggregation.spec.function!.function)
            default:
                continue
            }
        }
        return processedByOld
    }

    // MARK: - The graph

    /// A plugin's `forward`: to the named child, or to every child.
    func forward(from index: Int, to child: String?, _ record: UnsafePointer<eddy_record>, context: HostContext) -> eddy_status {
        let node = nodes[index]
        guard let child else {
            asNewDelivery { for next in node.children { _ = deliver(next, record) } }
            return eddy_status(EDDY_OK)
        }
        guard let next = node.childIndex[child] else {
            context.setError("forward: \(node.name) has no child '\(child)' (children: \(node.childIndex.keys.sorted().joined(separator: ", ")))")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        return asNewDelivery { deliver(next, record) }
    }

    /// The end and emptiness of `value` as a JSON object, indexed into `jsonMembers` once per
    /// delivery; nil when it is not one.
    private func indexedObject(_ value: UnsafeRawBufferPointer) -> (end: Int, empty: Bool)? {
        if let known = jsonObject, known.delivery == delivery { return (known.end, known.empty) }
        guard let (end, empty) = JSONScanner.index(value, into: &jsonMembers) else {
            jsonObject = nil
            return nil
        }
        jsonObject = (delivery, end, empty)
        return (end, empty)
    }

    /// Writes into `out` the record's JSON object value with `field` set to `result` (see
    /// ``splice(_:_:into:at:end:empty:writing:)``).
    private func setting(_ field: OutputField, to result: TypedValue, in record: UnsafePointer<eddy_record>, writing out: inout [UInt8]) throws {
        let value = try Self.jsonBytes(record)
        try Self.setting(field, to: result, in: value, object: indexedObject(value), members: jsonMembers, writing: &out)
    }

    /// Numeric field `field` of the JSON value of the record being delivered, as a timestamp
    /// in ms; nil when there is none. Uses the delivery's index, which the source's `json`
    /// check already built.
    private func jsonTimestamp(_ value: UnsafeRawBufferPointer?, field: String) -> Int64? {
        guard let value, indexedObject(value) != nil, let range = JSONScanner.find(field, in: jsonMembers, of: value) else { return nil }
        switch try? JSONScanner.value(value, range) {
        case .integer(let i)?: return i
        case .number(let d)?: return Int64(d)
        default: return nil
        }
    }

    /// Calls `caller` with the fields `call` names from the JSON value of the record being
    /// delivered. One or two scalar arguments are read straight from the value's bytes into
    /// the call; anything else (and every error, so that it reads the same) takes the general
    /// path through `JSONValue`s.
    private func call(_ caller: TypedFunctionCaller, _ call: FunctionCall, on record: UnsafePointer<eddy_record>) throws -> TypedValue {
        if caller.takesScalars, call.fields.count == caller.signature.arguments.count, let value = Self.buffer(record.pointee.value),
            indexedObject(value) != nil,
            let a = scalarArgument(call.fields[0], as: caller.signature.arguments[0], in: value)
        {
            if call.fields.count == 1 { return caller.call(scalar: a, .void) }
            if let b = scalarArgument(call.fields[1], as: caller.signature.arguments[1], in: value) { return caller.call(scalar: a, b) }
        }
        return try caller.call(json: try arguments(record, call))
    }

    /// Field `name` of the indexed JSON value `value` as a scalar of `type`, when it reads as one directly.
    private func scalarArgument(_ name: String, as type: ABIType, in value: UnsafeRawBufferPointer) -> TypedValue? {
        JSONScanner.find(name, in: jsonMembers, of: value).flatMap { JSONScanner.scalar(value, $0, as: type) }
    }

    /// Runs `body` as the delivery of a record new to the graph.
    private func asNewDelivery<R>(_ body: () -> R) -> R {
        let outer = delivery
        lastDelivery += 1
        delivery = lastDelivery
        defer { delivery = outer }
        return body()
    }

    /// Fields `names` of the JSON object value of the record being delivered, in order, from
    /// the delivery's index.
    private func fields(_ names: [String], of record: UnsafePointer<eddy_record>, for use: @autoclosure () -> String) throws -> [JSONValue] {
        let value = try Self.jsonBytes(record)
        guard indexedObject(value) != nil else { throw BuiltinError(reason: "the value is not a JSON object") }
        return try Self.fields(names, of: value, members: jsonMembers, for: use())
    }

    /// The values of `call.fields` in the JSON value of the record being delivered, read once
    /// per delivery.
    private func arguments(_ record: UnsafePointer<eddy_record>, _ call: FunctionCall) throws -> [JSONValue] {
        if let last = lastArguments, last.delivery == delivery, last.fields == call.fields { return last.values }
        let values = try fields(call.fields, of: record, for: "for \(call.plugin).\(call.function)")
        lastArguments = (delivery, call.fields, values)
        return values
    }

    /// Runs node `index` on `record`; failures go to the error handler.
    private func deliver(_ index: Int, _ record: UnsafePointer<eddy_record>) -> eddy_status {
        guard pendingError == nil else { return eddy_status(EDDY_ERROR) }
        let node = nodes[index]
        switch node.action {
        case .source:
            return eddy_status(EDDY_OK)
        case .plugin(let plugin):
            let outer = activePlugin
            activePlugin = index
            defer { activePlugin = outer }
            plugin.processed &+= 1
            switch plugin.instance.process(record) {
            case .ok:
                return eddy_status(EDDY_OK)
            case .rejected(let reason), .failed(let reason):
                report(reason, node: node.name, plugin: plugin.label)
                return eddy_status(EDDY_OK)
            }
        case .sink(let topic):
            let r = record.pointee
            do {
                let stamp = versionHeader ? versionHeaders(ofNode: activePlugin) : []
                let headers = r.header_count == 0 ? stamp : Self.headers(r) + stamp
                try collector.send(
                    to: topic, partition: nil, key: Self.buffer(r.key), value: Self.buffer(r.value),
                    headers: headers, timestamp: r.timestamp)
            } catch {
                pendingError = error
                return eddy_status(EDDY_ERROR)
            }
            return eddy_status(EDDY_OK)
        case .filter(let caller, let call):
            do {
                guard case .bool(true) = try self.call(caller, call, on: record) else { return eddy_status(EDDY_OK) }
            } catch {
                report("\(error)", node: node.name, plugin: call.plugin)
                return eddy_status(EDDY_OK)
            }
            for next in node.children { _ = deliver(next, record) }
            return eddy_status(EDDY_OK)
        case .mapValues(let caller, let call, let field):
            return deliverTransformed(index, record, replacing: \.value, plugin: call.plugin) { out in
                try setting(field, to: try self.call(caller, call, on: record), in: record, writing: &out)
            }
        case .aggregate(let aggregation):
            return deliverTransformed(index, record, replacing: \.value, plugin: aggregation.spec.function?.plugin) { out in
                let operation = aggregation.spec.operation.rawValue
                let field = try aggregation.spec.field.map { try fields([$0], of: record, for: "to \(operation)")[0] }
                out = try aggregation.fold(record, field: field)
            }
        case .selectKey(let field):
            return deliverTransformed(index, record, replacing: \.key, plugin: nil) { out in
                out = try Self.key(try fields([field], of: record, for: "to use as the key")[0], ofField: field)
            }
        }
    }

    /// Forwards to node `index`'s children a copy of `record` whose key or value is what
    /// `transform` wrote into the node's output buffer (reused from record to record); a
    /// failure goes to the error handler instead.
    private func deliverTransformed(
        _ index: Int, _ record: UnsafePointer<eddy_record>, replacing part: WritableKeyPath<eddy_record, eddy_bytes>,
        plugin: String?, _ transform: (inout [UInt8]) throws -> Void
    ) -> eddy_status {
        let node = nodes[index]
        // Taken out while in use: writing into it needs no copy (the array stays uniquely
        // referenced), and the children's own transforms may change `outputBuffers` while
        // these bytes are being delivered.
        var bytes = outputBuffers[index]
        outputBuffers[index] = []
        defer { outputBuffers[index] = bytes }
        do {
            try transform(&bytes)
        } catch {
            report("\(error)", node: node.name, plugin: plugin)
            return eddy_status(EDDY_OK)
        }
        var copy = record.pointee
        bytes.withUnsafeBytes { buffer in
            copy[keyPath: part] = Self.slice(buffer)
            asNewDelivery { for next in node.children { _ = deliver(next, &copy) } }
        }
        return eddy_status(EDDY_OK)
    }

    /// The `eddy.plugin.version` headers of plugin node `index` (none for -1).
    private func versionHeaders(ofNode index: Int) -> [KafkaHeader] {
        guard index >= 0, case .plugin(let plugin) = nodes[index].action else { return [] }
        return plugin.versionHeaders
    }

    /// Sends a failure of the current record to the error handler; a `fail` handler (or a
    /// dead-letter write that fails) stops processing.
    private func report(_ reason: String, node: String, plugin: String?) {
        guard let current else {
            pendingError = ProcessingFailed(description: "\(node) failed outside a record: \(reason)")
            return
        }
        do {
            try handle(RecordFailure(
                kind: .processor, reason: reason, topic: inputs[current.input].partition.topic, partition: current.record.partition,
                offset: current.record.offset, node: node, plugin: plugin))
        } catch {
            pendingError = error
        }
    }

    private func handle(_ failure: RecordFailure) throws {
        metrics.failed.add(1, ordering: .relaxed)
        switch errorHandler {
        case .fail:
            throw ProcessingFailed(description: "\(failure.description) — stopping (default.deserialization.exception.handler: fail)")
        case .logAndContinue:
            logger.warning("skipping record: \(failure.description)", metadata: ["task": "\(id)"])
        case .deadLetter:
            logger.warning("dead-lettering record to \(deadLetterTopic): \(failure.description)", metadata: ["task": "\(id)"])
            try collector.send(
                to: collector.topic(named: deadLetterTopic), partition: nil, key: current?.record.key, value: current?.record.value,
                headers: (current?.record.headers ?? []) + failure.headers, timestamp: streamTime)
        }
    }

    private func punctuate(_ type: PunctuationType, now: Int64) throws {
        for (index, plugin) in pluginNodes {
            let node = nodes[index]
            activePlugin = index
            defer { activePlugin = -1 }
            for (_, outcome) in plugin.instance.punctuate(type, now: now) {
                switch outcome {
                case .ok: continue
                case .rejected(let reason), .failed(let reason):
                    throw ProcessingFailed(description: "punctuation of \(node.name) (\(plugin.label)) in task \(id) failed: \(reason)")
                }
            }
            if let error = pendingError {
                pendingError = nil
                throw error
            }
        }
    }
}
