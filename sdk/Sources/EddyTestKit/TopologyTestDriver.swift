import EddyEngine
import EddyHost
@_spi(EddyHost) import EddySDK

/// Runs the whole Streams DSL topology a plugin exports, in-process, with no Kafka: the
/// equivalent of Kafka Streams' `TopologyTestDriver`.
///
/// The topology is built exactly as the host builds it and runs on the host's own task
/// graph and operators, with in-memory stores, one task per sub-topology. Records written
/// to a repartition topic (or to any topic the topology itself reads) are fed straight back
/// in, as Kafka Streams' driver does; what the sinks write to other topics is read with
/// ``outputTopic(_:key:value:)``. Failures go where the error policy says, as in the host:
/// by default to ``deadLetters``.
///
/// ```swift
/// let driver = try TopologyTestDriver(WordCountDSLPlugin.self)
/// let input = driver.inputTopic("text-input", key: .bytes, value: .string)
/// try input.pipe(value: "a b a", timestamp: 10)
/// let output = driver.outputTopic("word-counts", key: .string, value: .int64)
/// #expect(output.readKeyValues() == [KeyValue("a", 1), KeyValue("b", 1), KeyValue("a", 2)])
/// ```
public final class TopologyTestDriver {
    /// What happens to a record a function rejects or an operator cannot use.
    public enum ErrorPolicy: Sendable {
        /// Collect it in ``deadLetters`` with the reason (the host's default, `dead_letter`).
        case deadLetter
        /// Drop it (the host's `log_and_continue`); it is still counted in ``skippedRecords``.
        case logAndContinue
        /// Throw ``TestDriverError/failed(processor:message:)`` from the pipe (the host's `fail`).
        case fail
    }

    /// The topology as the host runs it.
    public let topology: Topology
    /// The application id the processors see.
    public let applicationId: String
    private let environment: TestEnvironment
    private var tasks: [TaskGraph] = []
    var stores: [String: HostStore] = [:]
    /// The stores whose values start with a timestamp: the window stores of windowed
    /// aggregations, and the stores of tables (`timestamped:<serde>`).
    var timestampedStores: Set<String> = []
    private var outputs: [String: [ForwardedRecord]] = [:]
    /// Records written to topics the topology reads, waiting to be fed back in.
    private var loopback: [(topic: String, record: ForwardedRecord)] = []
    private var nextOffset: [String: Int64] = [:]
    /// The global stores, by the topic each is read from.
    private var globalTopics: [String: InMemoryKeyValueStore] = [:]

    /// Builds the topology `plugin` (a `Plugin` type of the package under test) exports.
    ///
    /// - Parameters:
    ///   - processorConfig: config of the topology's processor nodes, by node name.
    ///   - wallClockTime: the initial wall-clock time in ms.
    public convenience init<P: Plugin>(
        _ plugin: P.Type, applicationId: String = "test-app", processorConfig: [String: [String: String]] = [:],
        wallClockTime: Int64 = 0, errorPolicy: ErrorPolicy = .deadLetter
    ) throws {
        try self.init(
            descriptor: P.descriptor, applicationId: applicationId, processorConfig: processorConfig,
            wallClockTime: wallClockTime,
            errorPolicy: errorPolicy)
    }

    /// Builds the topology of the plugin whose descriptor is given (for hosts that loaded a plugin themselves).
    public init(
        descriptor: UnsafePointer<eddy_plugin>, applicationId: String = "test-app",
        processorConfig: [String: [String: String]] = [:],
        wallClockTime: Int64 = 0, errorPolicy: ErrorPolicy = .deadLetter
    ) throws {
        let plugin = try PluginDescription(descriptor)
        self.applicationId = applicationId
        let declared = try Topology.declaredNodes(ofPlugin: plugin.name, plugin, processorConfig: processorConfig)
        topology = try Topology.build(applicationId: applicationId, nodes: declared)
        environment = TestEnvironment(wallClockTime: wallClockTime, policy: errorPolicy)
        // Global stores: one for every task, written only by records piped to their topics.
        var globals: [String: HostStore] = [:]
        for global in topology.globalStores {
            let storage = InMemoryKeyValueStore()
            globals[global.store.name] = HostStore(name: global.store.name, storage: .keyValue(storage))
            globalTopics[global.topic] = storage
        }
        stores.merge(globals) { first, _ in first }
        for sub in topology.subTopologies {
            let taskStores = try Self.stores(of: sub, plugin: plugin).merging(globals) { first, _ in first }
            for store in sub.nodes.flatMap(\.kind.stores) where store.valueSerde.hasPrefix("timestamped:") {
                timestampedStores.insert(store.name)
            }
            stores.merge(taskStores) { first, _ in first }
            let graph = try TaskGraph(
                subTopology: sub, taskId: "\(sub.id)_0", applicationId: applicationId, plugins: [plugin.name: plugin],
                stores: taskStores, environment: environment
            ) { [unowned self] node in
                guard case .sink(let sink) = node.kind else { return nil }
                return TestSinkNode(name: node.name, topic: sink.topic) { [unowned self] topic, record in
                    self.written(topic, record)
                }
            }
            tasks.append(graph)
        }
    }

    // MARK: - Input

    /// A typed view of topic `topic` for piping records in.
    public func inputTopic<K: Serde, V: Serde>(_ topic: String, key: K, value: V) -> TestInputTopic<K, V> {
        TestInputTopic(driver: self, topic: topic, keySerde: key, valueSerde: value)
    }

    /// Pipes one record (raw bytes, nil for null) into the topology as if read from
    /// `topic`, then feeds back what it wrote to topics the topology reads, and fires the
    /// stream-time punctuations that became due. A record of a global table's topic updates
    /// the global store at once (a tombstone deletes), as the host's global thread keeps it
    /// current, before the records piped after it are processed.
    public func pipe(
        _ topic: String, key: [UInt8]?, value: [UInt8]?, timestamp: Int64, headers: [Header] = []
    ) throws {
        if let global = globalTopics[topic] {
            guard let key else { return }
            key.withUnsafeBytes { key in
                guard let value else { return global.delete(key) }
                value.withUnsafeBytes { global.put(key, $0) }
            }
            return
        }
        try process(topic, ForwardedRecord(key: key, value: value, timestamp: timestamp, headers: headers))
        try drainLoopback()
    }

    // MARK: - Time

    /// Advances the wall clock by `milliseconds`, firing due wall-clock punctuations.
    public func advanceWallClockTime(by milliseconds: Int64) throws {
        environment.wallClockTime += milliseconds
        for task in tasks { try task.punctuate(.wallClockTime, now: environment.wallClockTime) }
        try drainLoopback()
    }

    /// The wall clock the topology sees (ms).
    public var wallClockTime: Int64 { environment.wallClockTime }

    // MARK: - Output

    /// A typed view of topic `topic` for reading what the topology wrote there.
    public func outputTopic<K: Serde, V: Serde>(_ topic: String, key: K, value: V) -> TestOutputTopic<K, V> {
        TestOutputTopic(driver: self, topic: topic, keySerde: key, valueSerde: value)
    }

    /// The records written to `topic` since the last read, in order; reading drains them.
    public func readOutput(_ topic: String) -> [ForwardedRecord] {
        defer { outputs[topic] = nil }
        return outputs[topic] ?? []
    }

    /// Records that failed (a function threw or rejected them, their bytes did not
    /// decode), with the reason: what the host sends to the dead-letter topic.
    public var deadLetters: [DeadLetter] { environment.deadLetters }

    /// Records an operator skipped (null keys in aggregations), as the host's `dropped-records` metric counts them.
    public var droppedRecords: Int { environment.dropped }

    /// Records the `logAndContinue` policy skipped.
    public var skippedRecords: Int { environment.skipped }

    /// The log lines of the plugin's code, with the node that logged them.
    public var logs: [(node: String, level: LogLevel, message: String)] { environment.logs }

    // MARK: - Stores

    /// The contents of the key-value store `name`, in key order; a table's or an
    /// aggregation's store's values without the timestamps it keeps (see
    /// ``timestampedKeyValueStore(_:)``).
    public func keyValueStore(_ name: String) throws -> [StoreEntry] {
        try timestampedKeyValueStore(name).map(\.entry)
    }

    /// The contents of the key-value store `name`, decoded, in key order.
    public func keyValueStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> [KeyValue<
        K.Value, V.Value
    >] {
        try keyValueStore(name).map { entry in
            KeyValue(
                try entry.key.withUnsafeBytes { try key.deserializeKey($0) },
                try entry.value.withUnsafeBytes { try value.deserialize($0) })
        }
    }

    /// The windows of the window store `name`, ordered by key, then window start. A windowed
    /// aggregation's store keeps each aggregate's timestamp before it; the values here are
    /// the aggregates alone.
    public func windowStore(_ name: String) throws -> [StoreEntry] {
        guard case .window(let storage as InMemoryWindowStore)? = stores[name]?.storage else {
            throw TestDriverError.unknownStore(name, processor: "the topology")
        }
        guard timestampedStores.contains(name) else { return storage.sortedEntries() }
        return storage.sortedEntries().map { entry in
            var entry = entry
            entry.value = Array(entry.value.dropFirst(8))
            return entry
        }
    }

    /// The windows of the window store `name`, decoded, ordered by key, then window start.
    public func windowStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> [KeyValue<
        Windowed<K.Value>, V.Value
    >] {
        try windowStore(name).map { entry in
            KeyValue(
                Windowed(
                    key: try entry.key.withUnsafeBytes { try key.deserializeKey($0) }, start: entry.windowStart,
                    end: entry.windowEnd),
                try entry.value.withUnsafeBytes { try value.deserialize($0) })
        }
    }

    /// The contents of the session store `name`, ordered by key, then session start, then
    /// end (`windowStart`/`windowEnd` are the session's start and end, both inclusive).
    public func sessionStore(_ name: String) throws -> [StoreEntry] {
        guard case .session(let storage as InMemorySessionStore)? = stores[name]?.storage else {
            throw TestDriverError.unknownStore(name, processor: "the topology")
        }
        return storage.sortedEntries()
    }

    /// Closes every task (processors run their `close`).
    public func close() {
        tasks.forEach { $0.close() }
    }

    // MARK: - Internals

    private func process(_ topic: String, _ record: ForwardedRecord) throws {
        guard let task = tasks.first(where: { $0.sources[topic] != nil }), let source = task.sources[topic] else {
            throw TestDriverError.unknownTopic(
                topic, known: (topology.sourceTopics + topology.globalStores.map(\.topic)).filter { !isInternal($0) })
        }
        let offset = nextOffset[topic, default: 0]
        nextOffset[topic] = offset + 1
        environment.current = DeadLetter(
            key: record.key, value: record.value, timestamp: record.timestamp, offset: offset, reason: "")
        defer { environment.current = nil }
        do {
            try withRecordRun(record, topic: topic, offset: offset) { run in
                // Event time: the record's timestamp, or what the source's extractor gives it.
                guard let timestamp = try source.eventTime(of: run[0], origin: 0) else { return }
                guard timestamp >= 0 else {
                    return try environment.reject(
                        origin: 0,
                        reason: "the record's timestamp is negative (\(timestamp)); set a timestamp extractor",
                        node: source.name,
                        plugin: nil)
                }
                UnsafeMutablePointer(mutating: run.records).pointee.timestamp = timestamp
                var time = max(task.streamTime, timestamp)
                try task.process(run, from: source, streamTimes: &time)
            }
        } catch let failure as NodeFailure {
            // EDDY_ERROR fails the task in the host whatever the error policy: here too.
            throw TestDriverError.failed(processor: failure.node, message: failure.reason)
        }
        try task.punctuate(.streamTime, now: task.streamTime)
    }

    private func drainLoopback() throws {
        while !loopback.isEmpty {
            let (topic, record) = loopback.removeFirst()
            try process(topic, record)
        }
    }

    private func written(_ topic: String, _ record: ForwardedRecord) {
        if topology.sourceTopics.contains(topic) { loopback.append((topic, record)) }
        if !isInternal(topic) { outputs[topic, default: []].append(record) }
    }

    private func isInternal(_ topic: String) -> Bool {
        topology.internalTopics.contains { $0.name == topic }
    }

    /// In-memory stores for the DSL operators and plugin processors of `sub`.
    private static func stores(of sub: Topology.SubTopology, plugin: PluginDescription) throws -> [String: HostStore] {
        var declarations = sub.nodes.flatMap(\.kind.stores)
        for node in sub.nodes {
            guard case .processor(_, let processor, _) = node.kind, let description = plugin.processor(named: processor)
            else { continue }
            declarations += description.stores
        }
        var stores: [String: HostStore] = [:]
        for declaration in declarations where stores[declaration.name] == nil {
            switch declaration.kind {
            case .keyValue:
                stores[declaration.name] = HostStore(
                    name: declaration.name, storage: .keyValue(InMemoryKeyValueStore()))
            case .window:
                stores[declaration.name] = HostStore(
                    name: declaration.name, storage: .window(InMemoryWindowStore(windowSize: declaration.windowSizeMs)))
            case .session:
                stores[declaration.name] = HostStore(name: declaration.name, storage: .session(InMemorySessionStore()))
            }
        }
        return stores
    }

    /// Calls `body` with a run of one record built from `record`.
    private func withRecordRun(
        _ record: ForwardedRecord, topic: String, offset: Int64, _ body: (RecordRun) throws -> Void
    ) throws {
        var topicBytes = Array(topic.utf8)
        try withOptionalBuffer(record.key) { key in
            try withOptionalBuffer(record.value) { value in
                try topicBytes.withUnsafeMutableBytes { topicBuffer in
                    try withHeaderArray(record.headers) { headers, headerCount in
                        var view = eddy_record()
                        view.struct_size = recordStructSize
                        view.key = key
                        view.value = value
                        view.timestamp = record.timestamp
                        view.topic = eddy_str(borrowing: UnsafeRawBufferPointer(topicBuffer))
                        view.partition = 0
                        view.offset = offset
                        view.headers = headerCount > 0 ? headers : nil
                        view.header_count = headerCount
                        var origin: Int32 = 0
                        try body(RecordRun(records: &view, origins: &origin, count: 1))
                    }
                }
            }
        }
    }

    private func withOptionalBuffer<R>(_ bytes: [UInt8]?, _ body: (eddy_bytes) throws -> R) rethrows -> R {
        guard let bytes else { return try body(.absent) }
        return try bytes.withUnsafeBytes { try body(eddy_bytes(borrowing: $0)) }
    }
}

/// A key and a value, as an output topic's records are compared in tests.
public struct KeyValue<Key, Value> {
    public var key: Key?
    public var value: Value?

    public init(_ key: Key?, _ value: Value?) {
        self.key = key
        self.value = value
    }
}

extension KeyValue: Equatable where Key: Equatable, Value: Equatable {}
extension KeyValue: CustomStringConvertible {
    public var description: String { "\(key.map { "\($0)" } ?? "nil") -> \(value.map { "\($0)" } ?? "nil")" }
}

/// The driver's side of the task graphs: its clock, its error policy and what it collects.
final class TestEnvironment: TaskEnvironment {
    var wallClockTime: Int64
    let policy: TopologyTestDriver.ErrorPolicy
    /// The input record being processed, as a dead letter without a reason yet.
    var current: DeadLetter?
    var deadLetters: [DeadLetter] = []
    var dropped = 0
    var skipped = 0
    var logs: [(node: String, level: LogLevel, message: String)] = []

    init(wallClockTime: Int64, policy: TopologyTestDriver.ErrorPolicy) {
        self.wallClockTime = wallClockTime
        self.policy = policy
    }

    func reject(origin: Int32, reason: String, node: String, plugin: String?) throws {
        switch policy {
        case .deadLetter:
            var letter = current ?? DeadLetter(key: nil, value: nil, timestamp: -1, offset: -1, reason: "")
            letter.reason = reason
            letter.node = node
            deadLetters.append(letter)
        case .logAndContinue:
            skipped += 1
        case .fail:
            throw TestDriverError.failed(processor: node, message: reason)
        }
    }

    func dropped(origin: Int32, node: String, reason: String) {
        dropped += 1
    }

    func log(_ level: LogLevel, _ message: String, node: String) {
        logs.append((node, level, message))
    }
}

/// A sink of the driver's task graphs: hands each record to the driver.
final class TestSinkNode: GraphNode {
    let topic: String
    let write: (String, ForwardedRecord) -> Void

    init(name: String, topic: String, write: @escaping (String, ForwardedRecord) -> Void) {
        self.topic = topic
        self.write = write
        super.init(name: name)
    }

    override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let view = Record(unsafeRecord: run[index])
            write(
                topic,
                ForwardedRecord(key: view.key, value: view.value, timestamp: view.timestamp, headers: view.headers))
        }
    }

    override var operatorName: String { "sink" }
}
