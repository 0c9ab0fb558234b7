import EddyEngine
import EddySDK

/// An Eddy application: what `app.yaml` declares.
///
/// Keys follow Kafka Streams' names (`application.id`, `processing.guarantee`,
/// `num.stream.threads`, `commit.interval.ms`…); librdkafka properties go untouched under
/// `kafka:`.
public struct AppConfig: Sendable {
    /// Where the Kafka cluster is.
    public enum BootstrapServers: Sendable, Equatable {
        /// Start `eddy-broker` in-process for development and demos.
        case embedded
        /// A real cluster: `host:port,host:port`.
        case servers(String)
    }

    public enum ProcessingGuarantee: String, Sendable, CaseIterable {
        case atLeastOnce = "at_least_once"
        case exactlyOnceV2 = "exactly_once_v2"
    }

    /// What happens to a record that cannot be deserialized or that a processor rejects.
    public enum ErrorHandler: String, Sendable, CaseIterable {
        /// Stop the worker with an error.
        case fail
        /// Log it, count it, skip it.
        case logAndContinue = "log_and_continue"
        /// Write the original record to the dead-letter topic with headers saying why.
        case deadLetter = "dead_letter"
    }

    /// The file this was read from (for messages).
    public var file: String
    public var applicationId: String
    public var bootstrapServers: BootstrapServers
    public var processingGuarantee: ProcessingGuarantee
    public var numStreamThreads: Int
    /// 30000 under at-least-once and 100 under exactly-once unless set, as in Kafka Streams.
    public var commitIntervalMs: Int
    public var stateDir: String
    public var pluginsDir: String
    /// Identifies this worker across restarts (part of its `transactional.id`, so that a
    /// restarted worker fences its own zombie at once). Nil (the default): the id kept in the
    /// worker's state directory (see `StateDirectory.claim()`), which no two running workers
    /// share. One given here must be unique among the application's running workers: two
    /// sharing it would fence each other's transactions.
    public var instanceId: String?
    public var errorHandler: ErrorHandler
    public var deadLetterTopic: String
    /// librdkafka properties, passed through unchanged.
    public var kafka: [String: String]
    /// `transaction.timeout.ms` for exactly-once producers: short, so that a dead worker's
    /// open transaction does not hold `read_committed` readers for long.
    public var transactionTimeoutMs: Int
    /// The record cache of each stream thread's stores (`cache.max.bytes.buffering`): uncommitted
    /// writes live there until a commit, which is brought forward when it fills.
    public var cacheMaxBytes: Int
    /// The one memory budget all RocksDB stores of the process share (block cache + memtables).
    public var rocksDBMemoryMB: Int
    /// Whether output records carry an `eddy.plugin.version` header naming the plugin build
    /// that produced them (`plugin.version.header`, default false: a header makes librdkafka
    /// allocate and free a header list per record, measured at about a sixth of a
    /// pass-through's CPU).
    public var pluginVersionHeader: Bool
    /// Whether a new build of a plugin file appearing in `plugins.dir` is reloaded
    /// automatically (`plugins.watch`, default true).
    public var watchPlugins: Bool
    /// Static group membership (`static.membership`, default false): each stream thread's
    /// consumer joins with `group.instance.id` = `<application.id>-<instance.id>-<thread>`, so
    /// a worker restarted after a crash takes its partitions back at once instead of waiting
    /// for its dead predecessor's session to expire. The price: a stopped worker does not
    /// leave the group either, so its partitions wait `session.timeout.ms` before moving to
    /// another worker. For workers that restart in place with a stable `instance.id`.
    public var staticMembership: Bool
    public var topology: TopologySpec
    /// Where sources take event time from unless they say otherwise
    /// (`default.timestamp.extractor`), the sources of a plugin's topology included.
    public var defaultTimestamp: Topology.Timestamp = .record
    /// How many fetched records a task buffers per input partition while it takes its
    /// partitions' records in timestamp order (`buffered.records.per.partition`, default 1000,
    /// as Kafka Streams): a partition holding that many is paused until the task drains it.
    public var bufferedRecordsPerPartition = 1000
    /// How long a task with several input partitions waits for an empty one that is caught up
    /// before it processes the others' records out of timestamp order (`max.task.idle.ms`,
    /// default 0, as Kafka Streams): 0 waits only for records already on the brokers, -1
    /// never waits. See `PartitionGroup`.
    public var maxTaskIdleMs = 0
    /// The endpoint, the handlers of failures, internal topics' replication and state
    /// cleanup (see ``OperationsConfig``).
    public var operations = OperationsConfig()
    /// Which plugins run in child processes, and how their failures are handled
    /// (`plugins:`, `plugin.timeout.ms`, `plugin.max.restarts`, `plugin.restart.window.ms`).
    public var pluginIsolation = PluginIsolationConfig()

    public var isExactlyOnce: Bool { processingGuarantee == .exactlyOnceV2 }
}

/// The processing graph as declared: a plugin's exported topology, sources, processors,
/// sinks and store options.
public struct TopologySpec: Sendable {
    /// The plugin whose exported Streams DSL topology the application runs (`topology.plugin`),
    /// with the YAML nodes beside it; nil for none.
    public var plugin: String?
    /// Config of the plugin topology's processor nodes, by node name (`topology.config`).
    public var pluginConfig: [String: [String: String]] = [:]
    /// Topics the plugin's topology reads or writes, renamed (`topology.topics`: the name in
    /// the plugin to the name in this application), as Kafka Streams applications take
    /// topic names from their config.
    public var pluginTopics: [String: String] = [:]
    /// Where `topology.plugin` is, for messages.
    public var pluginLine: Int?
    public var sources: [SourceSpec]
    public var processors: [ProcessorSpec]
    public var sinks: [SinkSpec]
    public var stores: [StoreSpec]
    /// Topics read as tables (`topology.tables`), which joins take as inputs.
    public var tables: [TableSpec] = []
}

/// A topic read as a table (`topology.tables[]`): the latest value per key, materialized in
/// `store`, whose changelog is the topic itself — or, with `global: true`, a global table
/// every worker reads whole into its global store.
public struct TableSpec: Sendable {
    public var name: String
    public var topic: String
    public var keySerde: SerdeName
    public var valueSerde: SerdeName
    public var store: String
    /// A global table (Kafka Streams' `GlobalKTable`): all partitions on every worker.
    public var global: Bool = false
    public var line: Int?
}

/// A `join` node as declared: which records it keeps, the windows of a stream–stream join,
/// how a stream–global table join picks the table's key and a foreign-key join the right
/// table's key, and the joiner — the JSON merge `{"left": <left value>, "right": <right
/// value>}`, with `null` for a missing side, or a plugin's joiner stream function.
public struct JoinSpec: Sendable, Equatable {
    public var type: Topology.Join.JoinType
    public var windows: JoinWindows?
    /// `key.field:` or `key.function:` — a stream–global table join's key selector.
    public var keySelector: KeySelectorSpec?
    /// `foreign.key.field:` or `foreign.key.function:` — a foreign-key table join's extractor.
    public var foreignKey: KeySelectorSpec?
    /// `joiner: Plugin.function` — a joiner stream function in place of the JSON merge.
    public var joiner: FunctionCall?

    public init(
        type: Topology.Join.JoinType, windows: JoinWindows?, keySelector: KeySelectorSpec? = nil,
        foreignKey: KeySelectorSpec? = nil,
        joiner: FunctionCall? = nil
    ) {
        self.type = type
        self.windows = windows
        self.keySelector = keySelector
        self.foreignKey = foreignKey
        self.joiner = joiner
    }
}

/// How a join picks a key from a record: a field of its JSON value by path (`shop.id`), or a
/// plugin's `select_key` stream function.
public enum KeySelectorSpec: Sendable, Equatable {
    case field(String)
    case function(FunctionCall)
}

public struct SourceSpec: Sendable {
    public var name: String
    public var topics: [String]
    public var keySerde: SerdeName
    public var valueSerde: SerdeName
    public var timestamp: Topology.Timestamp
    public var line: Int?
}

public struct ProcessorSpec: Sendable {
    public enum Kind: Sendable {
        /// A processor of a plugin, with its config.
        case plugin(plugin: String, processor: String, config: [String: String])
        /// Keep records for which the function returns true: a typed function on JSON
        /// fields, or a stream function.
        case filter(FunctionCall)
        /// Set `outputField` of the JSON value to a typed function's result, or replace the
        /// value by a stream function's.
        case mapValues(FunctionCall, outputField: String?)
        /// Re-key each record by a JSON field of its value, or by a stream function.
        case selectKey(field: String?, function: FunctionCall?)
        /// Stream functions: a new key and value; any number of records; any number of values.
        case map(FunctionCall)
        case flatMap(FunctionCall)
        case flatMapValues(FunctionCall)
        /// Stream functions that see every record: `peek` passes them on, `foreach` ends the stream.
        case peek(FunctionCall)
        case foreach(FunctionCall)
        /// Each record goes to the first branch whose typed function holds on its JSON fields
        /// (a branch without a function takes the rest); branches are nodes of their own.
        case branch([BranchSpec])
        /// The records of every input, as they come.
        case merge
        /// Re-key (by a JSON field or a stream function) and repartition by the new key.
        case groupBy(field: String?, function: FunctionCall?, partitions: Int?)
        /// Write to `<application.id>-<name>-repartition` and read back, so that records
        /// are co-partitioned by their (new) key.
        case repartition(partitions: Int?)
        /// The number of records per key (or per key and window) in a store, emitted as
        /// an `i64` (8 bytes big-endian).
        case count(store: String, windowing: WindowingSpec)
        /// `reduce` or `aggregate` by key: a typed function over a JSON field (with
        /// `initial` for aggregate), or a stream function.
        case aggregate(AggregationSpec)
        /// A join of `inputs[0]` (left) with `inputs[1]` (right): streams or tables.
        case join(JoinSpec)
    }

    public var name: String
    public var inputs: [String]
    public var kind: Kind
    public var line: Int?
}

extension ProcessorSpec.Kind {
    /// The functions the node calls, each with the key that names it.
    var functionCalls: [(FunctionCall, String)] {
        switch self {
        case .plugin, .merge, .repartition, .count: return []
        case .join(let join):
            var calls: [(FunctionCall, String)] = []
            if case .function(let call)? = join.keySelector { calls.append((call, "key.function")) }
            if case .function(let call)? = join.foreignKey { calls.append((call, "foreign.key.function")) }
            if let joiner = join.joiner { calls.append((joiner, "joiner")) }
            return calls
        case .filter(let call), .mapValues(let call, _), .map(let call), .flatMap(let call), .flatMapValues(let call),
            .peek(let call), .foreach(let call):
            return [(call, "function")]
        case .selectKey(_, let function), .groupBy(_, let function, _):
            return function.map { [($0, "function")] } ?? []
        case .branch(let branches):
            return branches.enumerated().compactMap { index, branch in
                branch.function.map { ($0, "branches[\(index)].function") }
            }
        case .aggregate(let spec):
            return [(spec.function, "function")]
        }
    }
}

/// One branch of a `branch` node.
public struct BranchSpec: Sendable, Equatable {
    public var name: String
    /// The typed function deciding whether a record takes this branch; nil for the default branch.
    public var function: FunctionCall?
    public var line: Int?
}

/// A `reduce` or `aggregate` node as declared.
public struct AggregationSpec: Sendable, Equatable {
    public var operation: AggregateSpec.Operation
    public var store: String
    public var function: FunctionCall
    /// The JSON field passed to a typed function; nil for a stream function.
    public var field: String?
    /// A typed aggregate's start value, as JSON text.
    public var initial: String?
    /// Its windows and which updates go on.
    public var windowing: WindowingSpec = .none
}

public struct SinkSpec: Sendable {
    public var name: String
    public var topic: String
    public var inputs: [String]
    public var keySerde: SerdeName
    public var valueSerde: SerdeName
    public var line: Int?
}

/// Options for a store a processor declares or an operator keeps.
public struct StoreSpec: Sendable {
    public var name: String
    /// RocksDB on disk (`true`) or memory only.
    public var persistent: Bool
    /// Back the store with a changelog topic; nil keeps what the processor declares
    /// (built-in aggregations are logged).
    public var logged: Bool?
    /// Window and session stores: how long windows (sessions, by their end) are kept behind
    /// stream time (`retention.ms`), overriding the processor's declaration; nil keeps the
    /// declared retention.
    public var retentionMs: Int?
    public var line: Int?

    /// The longest `retention.ms` accepted: ten years.
    static let maxRetentionMs = 315_360_000_000
}
