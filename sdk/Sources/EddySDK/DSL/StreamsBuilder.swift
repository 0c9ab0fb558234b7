/// Builds a Streams DSL topology, as Kafka Streams' `StreamsBuilder` does: read topics as
/// streams, transform, group and aggregate them, write them out.
///
/// A plugin exports the topology it builds in ``Plugin/topology(_:)``; the host runs it
/// (`topology: {plugin: <name>}` in the application file), and `TopologyTestDriver` runs it
/// in tests. The operators (filtering, re-keying, repartitioning, stateful aggregation into
/// changelogged stores) run in the host; the closures given to them stay in the plugin,
/// which the host calls with runs of records.
///
/// ```swift
/// static func topology(_ builder: StreamsBuilder) {
///     builder.stream("text-input", key: .bytes, value: .string)
///         .flatMapValues(.string) { line in line.lowercased().split(separator: " ").map(String.init) }
///         .groupBy(.string) { _, word in word }
///         .count(.as("word-counts"))
///         .toStream()
///         .to("word-counts")
/// }
/// ```
///
/// Nodes are named as Kafka Streams names them (`KSTREAM-FILTER-0000000001`, a counter
/// shared with stores) unless an operator is given `named:`.
public final class StreamsBuilder {
    /// The nodes so far, each after its parents.
    public private(set) var nodes: [TopologyNode] = []
    /// The processor types `process(_:)` nodes run; the plugin exports them with its own.
    public private(set) var processors: [any Processor.Type] = []
    @usableFromInline var counter = 0

    public init() {}

    /// Reads `topics` as a stream whose keys and values are encoded with `key` and `value`.
    /// Event time is each record's timestamp, or what `timestamps` extracts (Kafka Streams'
    /// `Consumed.withTimestampExtractor`).
    @inlinable
    public func stream<K: Serde, V: Serde>(
        _ topics: String..., key: K, value: V, timestamps: TimestampExtractor<K, V>? = nil, named name: String? = nil
    ) -> KStream<K, V> {
        let node = add(
            TopologyNode(
                name: name ?? generatedName("KSTREAM-SOURCE"), kind: .source, parents: [], topics: topics,
                keySerde: key.name, valueSerde: value.name, timestampExtractor: timestamps?.function))
        return KStream(builder: self, node: node, keySerde: key, valueSerde: value, keyChanged: false)
    }

    /// Reads `topic` as a table (Kafka Streams' `builder.table`): the latest value per key,
    /// materialized in a store whose changelog is the topic itself, so no changelog topic is
    /// made and the store is restored from `topic`. A tombstone deletes its key.
    @inlinable
    public func table<K: Serde, V: Serde>(
        _ topic: String, key: K, value: V, materialized: Materialized = Materialized(), named name: String? = nil
    ) -> KTable<K, V> {
        let nodeName = name ?? generatedName("KTABLE-SOURCE")
        let store = StoreDeclaration.keyValue(
            materialized.name ?? generatedName("\(topic)-STATE-STORE"), key: key, value: value)
        add(
            TopologyNode(
                name: nodeName, kind: .tableSource, parents: [], topics: [topic], keySerde: key.name,
                valueSerde: value.name, store: store))
        return KTable(builder: self, node: nodeName, keySerde: key, valueSerde: value, storeName: store.name)
    }

    /// Reads every partition of `topic` as a global table (Kafka Streams' `globalTable`):
    /// each worker keeps all of it in a global store, read to the end of the topic before any
    /// task processes; it is never changelogged (the topic is its log).
    @inlinable
    public func globalTable<K: Serde, V: Serde>(
        _ topic: String, key: K, value: V, materialized: Materialized = Materialized(), named name: String? = nil
    ) -> GlobalKTable<K, V> {
        let nodeName = name ?? generatedName("KTABLE-GLOBAL-SOURCE")
        let store = StoreDeclaration.keyValue(
            materialized.name ?? generatedName("\(topic)-STATE-STORE"), key: key, value: value, changelog: false)
        add(
            TopologyNode(
                name: nodeName, kind: .globalTable, parents: [], topics: [topic], keySerde: key.name,
                valueSerde: value.name, store: store))
        return GlobalKTable(storeName: store.name, keySerde: key, valueSerde: value, store: store)
    }

    // MARK: - Internals used by the stream types

    /// Appends `node` and returns its name.
    @discardableResult
    @usableFromInline
    func add(_ node: TopologyNode) -> String {
        nodes.append(node)
        return node.name
    }

    /// The next Kafka Streams–style name with `prefix`, e.g. `KSTREAM-MAP-0000000004`.
    @usableFromInline
    func generatedName(_ prefix: String) -> String {
        defer { counter += 1 }
        let digits = String(counter)
        return prefix + "-" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits
    }

    /// Registers a processor type that a `process` node runs.
    @usableFromInline
    func register(_ processor: any Processor.Type) {
        guard !processors.contains(where: { $0.name == processor.name }) else { return }
        processors.append(processor)
    }
}

/// Names and options of a store an aggregation or `toTable` materializes its table in
/// (Kafka Streams' `Materialized`).
public struct Materialized: Sendable {
    /// The store's name: queryable, and part of its changelog topic's name
    /// (`<application.id>-<name>-changelog`); nil for a generated one.
    public var name: String?
    /// Whether the store has a changelog topic, so it survives a move of its task.
    public var logging: Bool
    /// Windowed stores: how long windows are kept behind stream time (nil: the windows' default).
    public var retention: Int64?

    public init(name: String? = nil, logging: Bool = true, retention: Int64? = nil) {
        self.name = name
        self.logging = logging
        self.retention = retention
    }

    /// A store named `name`, changelogged.
    @inlinable
    public static func `as`(_ name: String) -> Materialized { Materialized(name: name) }

    /// The same store without a changelog topic.
    @inlinable
    public func withLoggingDisabled() -> Materialized { Materialized(name: name, logging: false, retention: retention) }

    /// The same store keeping windows `retention` ms behind stream time.
    @inlinable
    public func withRetention(_ retention: Int64) -> Materialized {
        Materialized(name: name, logging: logging, retention: retention)
    }
}
