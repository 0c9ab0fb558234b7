import EddyHost
@_spi(EddyHost) import EddySDK

/// Runs one processor of a plugin in-process, with no Kafka and no `dlopen`: the
/// equivalent of Kafka Streams' `TopologyTestDriver` for a single processor node.
///
/// Pipe input records, advance stream time and wall-clock time (which fires punctuations),
/// then read the forwarded records, the dead-lettered (rejected) records and the stores.
/// The processor runs through the real C ABI (its descriptor entries and the host table),
/// exactly as the Eddy host runs it.
///
/// ```swift
/// let driver = try TestDriver(WordCountPlugin.self, processor: "word-count")
/// try driver.pipe(key: nil, value: "a b a", valueSerde: .string, timestamp: 10)
/// let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
/// ```
public final class TestDriver {
    /// The processor's name.
    public let processorName: String
    /// The topic the piped records appear to come from.
    public let inputTopic: String
    private let context: TestHostContext
    private let instance: ProcessorInstance
    private let keyValueStores: [String: InMemoryKeyValueStore]
    private let windowStores: [String: InMemoryWindowStore]
    private let sessionStores: [String: InMemorySessionStore]
    private var nextOffset: Int64 = 0

    /// Starts the processor `processor` of `plugin` (a `Plugin` type of the package under test).
    ///
    /// - Parameters:
    ///   - config: the processor's config; validated and defaulted as the host does.
    ///   - taskId: the task id the instance sees, e.g. `0_0`.
    ///   - wallClockTime: the initial wall-clock time in ms.
    ///   - children: the child node names `forward(to:)` may use; nil accepts any name.
    public convenience init<P: Plugin>(
        _ plugin: P.Type, processor: String, config: [String: String] = [:], taskId: String = "0_0",
        applicationId: String = "test-app", inputTopic: String = "input", wallClockTime: Int64 = 0,
        children: [String]? = nil
    ) throws {
        try self.init(
            descriptor: P.descriptor, processor: processor, config: config, taskId: taskId,
            applicationId: applicationId, inputTopic: inputTopic, wallClockTime: wallClockTime, children: children)
    }

    /// Starts the processor `processor` of the plugin whose `eddy_plugin` descriptor is given
    /// (for hosts that loaded a plugin themselves).
    public init(
        descriptor: UnsafePointer<eddy_plugin>, processor: String, config: [String: String] = [:],
        taskId: String = "0_0", applicationId: String = "test-app", inputTopic: String = "input",
        wallClockTime: Int64 = 0, children: [String]? = nil
    ) throws {
        let plugin = try PluginDescription(descriptor)
        guard let description = plugin.processor(named: processor) else {
            throw TestDriverError.unknownProcessor(
                processor, plugin: plugin.name, available: plugin.processors.map(\.name))
        }
        let resolved = try ConfigResolver.resolve(config, for: processor, declared: description.config)
        var keyValueStores: [String: InMemoryKeyValueStore] = [:]
        var windowStores: [String: InMemoryWindowStore] = [:]
        var sessionStores: [String: InMemorySessionStore] = [:]
        var stores: [HostStore] = []
        for store in description.stores {
            switch store.kind {
            case .keyValue:
                let storage = InMemoryKeyValueStore()
                keyValueStores[store.name] = storage
                stores.append(HostStore(name: store.name, storage: .keyValue(storage)))
            case .window:
                let storage = InMemoryWindowStore(windowSize: store.windowSizeMs)
                windowStores[store.name] = storage
                stores.append(HostStore(name: store.name, storage: .window(storage)))
            case .session:
                let storage = InMemorySessionStore()
                sessionStores[store.name] = storage
                stores.append(HostStore(name: store.name, storage: .session(storage)))
            }
        }
        self.processorName = processor
        self.inputTopic = inputTopic
        self.keyValueStores = keyValueStores
        self.windowStores = windowStores
        self.sessionStores = sessionStores
        self.context = TestHostContext(
            taskId: taskId, applicationId: applicationId, config: resolved, stores: stores,
            wallClockTime: wallClockTime, children: children)
        self.instance = try ProcessorInstance(processor: description.entry, context: context)
    }

    // MARK: - Input

    /// Pipes one record with raw key and value bytes (nil for null) through the processor,
    /// then fires the stream-time punctuations that became due.
    ///
    /// A rejected record lands in `deadLetters`; a failure throws `TestDriverError.failed`.
    public func pipe(
        key: [UInt8]?, value: [UInt8]?, timestamp: Int64, headers: [Header] = [], partition: Int32 = 0
    ) throws {
        context.streamTime = max(context.streamTime, timestamp)
        let offset = nextOffset
        nextOffset += 1
        let outcome = instance.process(
            key: key, value: value, timestamp: timestamp, topic: inputTopic, partition: partition, offset: offset,
            headers: headers)
        try settle(
            outcome, record: DeadLetter(key: key, value: value, timestamp: timestamp, offset: offset, reason: ""))
        try firePunctuations(.streamTime, now: context.streamTime)
    }

    /// Pipes one record whose key and value are encoded with the given serdes.
    public func pipe<K: Serde, V: Serde>(
        key: K.Value?, value: V.Value?, keySerde: K, valueSerde: V, timestamp: Int64, headers: [Header] = [],
        partition: Int32 = 0
    ) throws {
        let keyBytes = try key.map { try keySerde.serialize($0) { Array($0) } }
        let valueBytes = try value.map { try valueSerde.serialize($0) { Array($0) } }
        try pipe(key: keyBytes, value: valueBytes, timestamp: timestamp, headers: headers, partition: partition)
    }

    /// Pipes one record with a null key and a value encoded with `valueSerde`.
    public func pipe<V: Serde>(value: V.Value?, valueSerde: V, timestamp: Int64) throws {
        try pipe(key: nil, value: value, keySerde: .bytes, valueSerde: valueSerde, timestamp: timestamp)
    }

    // MARK: - Time

    /// Advances stream time to `time` (ms) without a record, firing due stream-time
    /// punctuations. Stream time never goes back.
    public func advanceStreamTime(to time: Int64) throws {
        context.streamTime = max(context.streamTime, time)
        try firePunctuations(.streamTime, now: context.streamTime)
    }

    /// Advances the wall clock by `milliseconds`, firing due wall-clock punctuations.
    public func advanceWallClockTime(by milliseconds: Int64) throws {
        context.currentWallClockTime += milliseconds
        try firePunctuations(.wallClockTime, now: context.currentWallClockTime)
    }

    /// The current stream time (ms), nil before any record.
    public var streamTime: Int64? { context.streamTime < 0 ? nil : context.streamTime }

    // MARK: - Output

    /// The records forwarded since the last read, in order; reading drains them.
    public func readOutput() -> [ForwardedRecord] {
        defer { context.forwarded.removeAll() }
        return context.forwarded
    }

    /// The records forwarded since the last read, decoded; reading drains them.
    public func readOutput<K: Serde, V: Serde>(keySerde: K, valueSerde: V) throws -> [TestRecord<K.Value, V.Value>] {
        try readOutput().map { record in
            TestRecord(
                key: try record.key.map { try $0.withUnsafeBytes { try keySerde.deserializeKey($0) } },
                value: try record.value.map { try $0.withUnsafeBytes { try valueSerde.deserialize($0) } },
                timestamp: record.timestamp, child: record.child)
        }
    }

    /// Records the processor rejected (what the host sends to the dead-letter topic).
    public private(set) var deadLetters: [DeadLetter] = []

    /// The messages the processor logged, in order.
    public var logs: [(level: LogLevel, message: String)] { context.logs }

    /// The processor's counters.
    public var counters: [String: Int64] { context.counters }

    /// The processor's gauges.
    public var gauges: [String: Double] { context.gauges }

    /// Whether the processor asked for a commit.
    public var commitRequested: Bool { context.commitRequested }

    // MARK: - Stores

    /// The contents of the key-value store `name`, in key order.
    public func keyValueStore(_ name: String) throws -> [StoreEntry] {
        guard let store = keyValueStores[name] else {
            throw TestDriverError.unknownStore(name, processor: processorName)
        }
        return store.sortedEntries()
    }

    /// The contents of the key-value store `name`, decoded, in key order.
    public func keyValueStore<K: Serde, V: Serde>(_ name: String, key: K, value: V) throws -> [(
        key: K.Value, value: V.Value
    )] {
        try keyValueStore(name).map { entry in
            (
                try entry.key.withUnsafeBytes { try key.deserializeKey($0) },
                try entry.value.withUnsafeBytes { try value.deserialize($0) }
            )
        }
    }

    /// The contents of the window store `name`, ordered by key, then window start.
    public func windowStore(_ name: String) throws -> [StoreEntry] {
        guard let store = windowStores[name] else { throw TestDriverError.unknownStore(name, processor: processorName) }
        return store.sortedEntries()
    }

    /// The contents of the session store `name`, ordered by key, then session start, then
    /// end (`windowStart`/`windowEnd` are the session's start and end, both inclusive).
    public func sessionStore(_ name: String) throws -> [StoreEntry] {
        guard let store = sessionStores[name] else {
            throw TestDriverError.unknownStore(name, processor: processorName)
        }
        return store.sortedEntries()
    }

    /// Closes the processor instance (its `close` runs). Further input is not allowed.
    public func close() {
        instance.close()
    }

    // MARK: - Internals

    private func firePunctuations(_ type: PunctuationType, now: Int64) throws {
        for (_, outcome) in instance.punctuate(type, now: now) {
            if case .failed(let message) = outcome {
                throw TestDriverError.failed(processor: processorName, message: message)
            }
        }
    }

    private func settle(_ outcome: ProcessorOutcome, record: DeadLetter) throws {
        switch outcome {
        case .ok:
            return
        case .rejected(let reason):
            var letter = record
            letter.reason = reason
            deadLetters.append(letter)
        case .failed(let message):
            throw TestDriverError.failed(processor: processorName, message: message)
        }
    }
}
