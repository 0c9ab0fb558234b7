import EddySDK

/// The one form every topology takes before it runs, whether an application file declared
/// it or a plugin exported it with the Streams DSL: nodes with typed operators, split into
/// sub-topologies at repartition topics, as Kafka Streams does. A task runs one
/// sub-topology for one partition.
public struct Topology: Sendable {
    /// One node of the graph.
    public struct Node: Sendable {
        public var name: String
        public var kind: Kind
        /// Names of the nodes this one reads from.
        public var parents: [String]
        /// Names of the nodes this one sends to, in declaration order.
        public var children: [String] = []

        public init(name: String, kind: Kind, parents: [String]) {
            self.name = name
            self.kind = kind
            self.parents = parents
        }
    }

    /// What a node does.
    public enum Kind: Sendable, Equatable {
        /// Reads topics.
        case source(Source)
        /// Writes a topic.
        case sink(Sink)
        /// A processor of a plugin (the Processor API), with its config.
        case processor(plugin: String, processor: String, config: [String: String])
        /// Passes records on unchanged (merges, branch outputs, `toStream`).
        case passthrough
        /// Before the graph is split: writes to `<application.id>-<name>-repartition` and
        /// reads it back in another sub-topology (a fixed partition count, or nil for the
        /// input's). A built topology has a sink and a source in its place.
        case repartition(partitions: Int?)
        /// A DSL operator whose function is the `apply` of a node of a plugin's exported topology.
        case function(PluginFunction, Operation)
        /// `count`, `reduce` or `aggregate`, per key or per window, into a store.
        case aggregate(Aggregation)
        /// Holds a windowed table's updates back until their window closes, or for a time.
        case suppress(Suppression)
        /// Materializes the stream as a table in a store.
        case toTable(StoreDeclaration)
        /// An application file's built-in operator on JSON values, calling typed functions.
        case builtin(Builtin)
        /// Reads topics as a table (`builder.table`): materializes each record in the store
        /// (a tombstone deletes), forwards every change. The store's changelog is the topic.
        case tableSource(Source, StoreDeclaration)
        /// Before the graph is built: a global table. A built topology lists it in
        /// ``Topology/globalStores`` instead of any sub-topology.
        case globalTable(GlobalStore)
        /// A join of two streams, a stream and a table, a stream and a global table, or two tables.
        case join(Join)
        /// One step of a foreign-key join (Kafka Streams' subscription/response design).
        case foreignKey(ForeignKeyStep)
    }

    /// The steps a foreign-key table join runs as, across two sub-topologies: the left
    /// table's partition subscribes to the right entry's, which responds.
    public enum ForeignKeyStep: Sendable, Equatable {
        /// Left table updates become subscriptions keyed by the foreign key the extractor
        /// picks (and unsubscriptions from a previous one, kept in `foreignKeys`); in a left
        /// join, an entry without a foreign key subscribes with a null key, answered with no
        /// right value (KIP-962).
        case subscribe(extractor: Join.KeySelector, foreignKeys: StoreDeclaration, type: Join.JoinType)
        /// Subscriptions (the left input), kept in `subscriptions`, and updates of the right
        /// table in store `right` (the right input) become responses keyed by the left key.
        case respond(subscriptions: StoreDeclaration, right: String)
        /// Responses become join results, unless the left value in store `left` changed
        /// since the subscription (a stale response). The right input is the left table,
        /// only so that the left store is in this sub-topology.
        case resolve(left: String, type: Join.JoinType, joiner: Join.Joiner)
    }

    /// A join: its shape (which inputs, which stores), which records it keeps, and the joiner.
    /// `parents[0]` of its node is the left input, `parents[1]` the right one (none for a
    /// global table, which is read by store name).
    public struct Join: Sendable, Equatable {
        public enum Shape: Sendable, Equatable {
            /// Two streams within `windows`: each side's window store, and for left and outer
            /// joins the shared store of records still without a partner.
            case streamStream(
                JoinWindows, thisStore: StoreDeclaration, otherStore: StoreDeclaration, outerStore: StoreDeclaration?)
            /// A stream with the table materialized in store `table`.
            case streamTable(table: String)
            /// A stream with the global table in store `global`, looked up by the key `keySelector` picks.
            case streamGlobalTable(global: String, keySelector: KeySelector)
            /// Two tables materialized in stores `left` and `right`.
            case tableTable(left: String, right: String)
        }

        public enum JoinType: String, Sendable, Equatable { case inner, left, outer }

        /// How a pair of values becomes the joined value.
        public enum Joiner: Sendable, Equatable {
            /// A plugin function (`eddy.h`'s joiners).
            case function(PluginFunction)
            /// `{"left": <left value>, "right": <right value>}`, JSON values, null for a missing side.
            case jsonMerge
        }

        /// How a record picks another table's key: a stream record the global table's, a left
        /// table's value the right table's (a foreign key).
        public enum KeySelector: Sendable, Equatable {
            /// A plugin function that emits the key.
            case function(PluginFunction)
            /// A field of the JSON value, by path (`customer`, `order.shop.id`): a string's
            /// text, a number's or boolean's JSON text; none when missing or null.
            case jsonField(String)
        }

        public var shape: Shape
        public var type: JoinType
        public var joiner: Joiner

        public init(shape: Shape, type: JoinType, joiner: Joiner) {
            self.shape = shape
            self.type = type
            self.joiner = joiner
        }

        /// The stores the join owns (a stream–stream join's); the tables' stores belong to
        /// the nodes that materialize them.
        public var ownedStores: [StoreDeclaration] {
            guard case .streamStream(_, let this, let other, let outer) = shape else { return [] }
            return [this, other] + (outer.map { [$0] } ?? [])
        }

        /// The plugin functions it calls: the joiner's and the key selector's.
        public var pluginFunctions: [PluginFunction] {
            var functions: [PluginFunction] = []
            if case .function(let function) = joiner { functions.append(function) }
            if case .streamGlobalTable(_, .function(let selector)) = shape { functions.append(selector) }
            return functions
        }
    }

    /// A source node's topics, how their records are encoded, and where event time comes from.
    public struct Source: Sendable, Equatable {
        public var topics: [String]
        public var keySerde: String
        public var valueSerde: String
        public var timestamp: Timestamp

        public init(topics: [String], keySerde: String, valueSerde: String, timestamp: Timestamp = .record) {
            self.topics = topics
            self.keySerde = keySerde
            self.valueSerde = valueSerde
            self.timestamp = timestamp
        }
    }

    /// Where a source takes each record's event time from.
    public enum Timestamp: Sendable, Equatable {
        /// The record's own timestamp.
        case record
        /// A numeric JSON field of the value, in ms since the epoch.
        case jsonField(String)
        /// A plugin's timestamp extractor.
        case extractor(PluginFunction)
    }

    /// A sink node's topic and encoding.
    public struct Sink: Sendable, Equatable {
        public var topic: String
        public var keySerde: String
        public var valueSerde: String

        public init(topic: String, keySerde: String, valueSerde: String) {
            self.topic = topic
            self.keySerde = keySerde
            self.valueSerde = valueSerde
        }
    }

    /// The plugin node whose `apply` the host calls: a node of the plugin's exported topology,
    /// one of its stream functions (which application files call by name), or the timestamp
    /// extractor of one of its topology's sources.
    public struct PluginFunction: Sendable, Hashable {
        public enum Place: Sendable, Hashable {
            case topologyNode, streamFunction
            /// The extractor of the source node named `node`.
            case timestampExtractor
            /// The key selector of the global-table join node named `node`.
            case keySelector
        }

        /// The plugin's name in the application (its file name, e.g. `Fraud`).
        public var plugin: String
        /// The node's name in the plugin's topology, or the stream function's name.
        public var node: String
        public var place: Place

        public init(plugin: String, node: String, place: Place = .topologyNode) {
            self.plugin = plugin
            self.node = node
            self.place = place
        }

        /// Whether `node` names a stream function rather than a topology node.
        public var isStreamFunction: Bool { place == .streamFunction }
    }

    /// What a stateless DSL operator does with its function (see `EDDY_NODE_*` in `eddy.h`).
    public enum Operation: Sendable, Equatable {
        case filter(negate: Bool, table: Bool)
        case map, flatMap
        case mapValues(table: Bool)
        case flatMapValues, selectKey, peek, foreach
        /// Each record goes to the child named by the branch the function picks.
        case branch([String])
    }

    /// A stateful aggregation: how values fold into a key's aggregate, where the aggregates
    /// live, and in which windows (none: one aggregate per key, a KTable).
    public struct Aggregation: Sendable, Equatable {
        /// How a value folds into an aggregate.
        public enum Fold: Sendable, Equatable {
            /// The number of records, an 8-byte big-endian integer.
            case count
            /// A plugin function: a reducer (`reduce`: a key's first value is its aggregate)
            /// or an aggregator with its initializer (and merger, for sessions).
            case function(PluginFunction, reduce: Bool)
            /// An application file's typed function over a JSON field.
            case typed(AggregateSpec)
        }

        public var fold: Fold
        /// A key-value store without windows, a window store for time and sliding windows, a
        /// session store for session windows.
        public var store: StoreDeclaration
        public var window: Window?

        public init(fold: Fold, store: StoreDeclaration, window: Window? = nil) {
            self.fold = fold
            self.store = store
            self.window = window
        }
    }

    /// Windows with Kafka Streams' semantics, all in ms of event time.
    public struct Window: Sendable, Equatable {
        public enum Kind: Sendable, Equatable {
            /// Windows `[start, start + size)` starting every `advance` (tumbling when equal).
            case time(size: Int64, advance: Int64)
            /// A window `[t - difference, t]` ending at each record (and one right after it).
            case sliding(difference: Int64)
            /// Sessions: records of a key closer than `gap` to each other share a window.
            case session(gap: Int64)
        }

        public var kind: Kind
        /// How long after a window ends (in stream time) it still takes late records.
        public var grace: Int64

        public init(_ kind: Kind, grace: Int64) {
            self.kind = kind
            self.grace = grace
        }
    }

    /// A `suppress`: which updates of a windowed table go on, and when.
    public struct Suppression: Sendable, Equatable {
        public enum Until: Sendable, Equatable {
            /// One final result per window, once stream time passes its end plus the grace.
            case windowCloses
            /// A key's latest update, `limit` ms of stream time after its first buffered one.
            case timeLimit(Int64)
        }

        public var until: Until
        /// Buffer bounds: records and bytes (nil: unbounded).
        public var maxRecords: Int64?
        public var maxBytes: Int64?
        /// When full: emit the oldest early (true) or fail the task (false, Kafka Streams' `shutDownWhenFull`).
        public var emitEarlyWhenFull: Bool
        /// The windows of the table it suppresses, for their ends and grace (nil for a table without windows).
        public var window: Window?
        /// The changelogged store of the buffer.
        public var store: StoreDeclaration

        public init(
            until: Until, maxRecords: Int64?, maxBytes: Int64?, emitEarlyWhenFull: Bool, window: Window?,
            store: StoreDeclaration
        ) {
            self.until = until
            self.maxRecords = maxRecords
            self.maxBytes = maxBytes
            self.emitEarlyWhenFull = emitEarlyWhenFull
            self.window = window
            self.store = store
        }
    }

    /// A sub-topology: a connected part of the graph between topics.
    public struct SubTopology: Sendable {
        public var id: Int
        /// The nodes in declaration order (every node after its parents).
        public var nodes: [Node]
        public var sourceTopics: [String]
        public var sinkTopics: [String]
        /// Groups of this sub-topology's source topics that must be co-partitioned (the two
        /// inputs of a join): the topics of a group have the same partition count, checked
        /// when a worker starts, and partition N of each is processed by the same task
        /// through every rebalance.
        public var coPartitionGroups: [[String]] = []

        public func node(_ name: String) -> Node? { nodes.first { $0.name == name } }
    }

    /// A topic the application owns: repartition and changelog topics, named
    /// `<application.id>-<name>-repartition|changelog`.
    public struct InternalTopic: Sendable, Equatable {
        public enum Kind: String, Sendable { case repartition, changelog }
        public var name: String
        public var kind: Kind
        /// Fixed by the topology, or nil to match the partitions of its sub-topology's inputs.
        public var partitions: Int?
        /// The sub-topology that reads (repartition) or owns (changelog) it.
        public var subTopology: Int

        public init(name: String, kind: Kind, partitions: Int?, subTopology: Int) {
            self.name = name
            self.kind = kind
            self.partitions = partitions
            self.subTopology = subTopology
        }
    }

    /// A global store (a `GlobalKTable`): every worker reads every partition of `topic` into
    /// it on a thread of its own, to the end of the topic before any task processes, and
    /// keeps reading. It is restored from the topic itself and never changelogged; tasks
    /// read it by the store's name, as any store, and never write it.
    public struct GlobalStore: Sendable, Equatable {
        public var topic: String
        public var keySerde: String
        public var valueSerde: String
        /// A key-value store, `changelog: false`.
        public var store: StoreDeclaration

        public init(topic: String, keySerde: String, valueSerde: String, store: StoreDeclaration) {
            self.topic = topic
            self.keySerde = keySerde
            self.valueSerde = valueSerde
            self.store = store
        }
    }

    public var applicationId: String
    public var subTopologies: [SubTopology]
    public var internalTopics: [InternalTopic]
    /// The global stores every worker keeps whole.
    public var globalStores: [GlobalStore] = []
    /// Stores whose changelog is a topic the application reads, by store name: a
    /// `builder.table` source's store (Kafka Streams' source-topic changelog). Such a store
    /// writes no changelog of its own and no `<application.id>-<store>-changelog` topic is
    /// made for it; it restores from the source topic.
    public var sourceChangelogs: [String: String] = [:]

    /// The sub-topology reading `topic`.
    public func subTopology(readingTopic topic: String) -> SubTopology? {
        subTopologies.first { $0.sourceTopics.contains(topic) }
    }

    /// Every topic some sub-topology reads.
    public var sourceTopics: [String] { subTopologies.flatMap(\.sourceTopics) }

    /// Every node of every sub-topology.
    public var nodes: [Node] { subTopologies.flatMap(\.nodes) }

    public static func repartitionTopic(_ applicationId: String, _ node: String) -> String {
        "\(applicationId)-\(node)-repartition"
    }

    public static func changelogTopic(_ applicationId: String, _ store: String) -> String {
        "\(applicationId)-\(store)-changelog"
    }

    /// The topic `store` is changelogged to: its source topic for a table source's store,
    /// `<application.id>-<store>-changelog` otherwise.
    public func changelogTopic(ofStore store: String) -> String {
        sourceChangelogs[store] ?? Self.changelogTopic(applicationId, store)
    }
}

extension Topology.Kind {
    /// The topics a source or table source node reads; empty for other nodes.
    public var sourceTopics: [String] {
        switch self {
        case .source(let source), .tableSource(let source, _): return source.topics
        default: return []
        }
    }

    /// A source's or table source's topics, serdes and event time; nil for other nodes.
    public var sourceSpec: Topology.Source? {
        switch self {
        case .source(let source), .tableSource(let source, _): return source
        default: return nil
        }
    }

    /// The topic a sink node writes; nil for other nodes.
    public var sinkTopic: String? {
        if case .sink(let sink) = self { return sink.topic }
        return nil
    }

    /// The store a DSL operator or built-in aggregation keeps its table in; nil for other nodes.
    public var store: StoreDeclaration? {
        switch self {
        case .aggregate(let aggregation): return aggregation.store
        case .suppress(let suppression): return suppression.store
        case .toTable(let store), .tableSource(_, let store): return store
        default: return nil
        }
    }

    /// Every store the node owns: its operator's one, a stream–stream join's, a foreign-key join step's.
    public var stores: [StoreDeclaration] {
        switch self {
        case .join(let join): return join.ownedStores
        case .foreignKey(.subscribe(_, let store, _)), .foreignKey(.respond(let store, _)): return [store]
        default: return store.map { [$0] } ?? []
        }
    }

    /// Whether the node joins two inputs that must be co-partitioned.
    public var joinsCoPartitionedInputs: Bool {
        switch self {
        case .join(let join):
            if case .streamGlobalTable = join.shape { return false }
            return true
        case .foreignKey(.respond), .foreignKey(.resolve): return true
        default: return false
        }
    }

    /// The plugin a node runs code of (a processor, a DSL function or a typed function).
    public var plugin: String? {
        switch self {
        case .processor(let plugin, _, _): return plugin
        default: return pluginFunctions.first?.plugin ?? typedFunctionCalls.first?.plugin
        }
    }

    /// The plugin functions the node calls through `apply`: a DSL operator's, a plugin
    /// aggregation's, a source's timestamp extractor.
    public var pluginFunctions: [Topology.PluginFunction] {
        switch self {
        case .function(let function, _): return [function]
        case .aggregate(let aggregation):
            if case .function(let function, _) = aggregation.fold { return [function] }
            return []
        case .source(let source), .tableSource(let source, _):
            if case .extractor(let function) = source.timestamp { return [function] }
            return []
        case .join(let join): return join.pluginFunctions
        case .foreignKey(.subscribe(.function(let extractor), _, _)): return [extractor]
        case .foreignKey(.resolve(_, _, .function(let joiner))): return [joiner]
        default: return []
        }
    }

    /// The typed functions the node calls on JSON fields: a built-in's, a typed aggregation's.
    public var typedFunctionCalls: [FunctionCall] {
        switch self {
        case .builtin(let builtin): return builtin.functionCalls
        case .aggregate(let aggregation):
            if case .typed(let spec) = aggregation.fold { return [spec.function] }
            return []
        default: return []
        }
    }

    /// The child nodes a branching node sends each branch to, in branch order; nil for other nodes.
    public var branchNames: [String]? {
        switch self {
        case .function(_, .branch(let branches)): return branches
        case .builtin(.branch(let branches)): return branches.map(\.name)
        default: return nil
        }
    }
}
