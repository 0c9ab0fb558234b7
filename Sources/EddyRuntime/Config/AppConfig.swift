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

    public var isExactlyOnce: Bool { processingGuarantee == .exactlyOnceV2 }
}

/// The processing graph as declared: sources, processors, sinks and store options.
public struct TopologySpec: Sendable {
    public var sources: [SourceSpec]
    public var processors: [ProcessorSpec]
    public var sinks: [SinkSpec]
    public var stores: [StoreSpec]
}

/// How records are turned into bytes and back, and checked on the way in.
public enum SerdeName: String, Sendable, CaseIterable {
    case bytes
    case string
    case json
    /// 8-byte big-endian signed integer.
    case long
}

public struct SourceSpec: Sendable {
    public enum Timestamp: Sendable, Equatable {
        /// The record's own timestamp.
        case record
        /// A numeric JSON field of the value, in ms since the epoch.
        case jsonField(String)
    }

    public var name: String
    public var topics: [String]
    public var keySerde: SerdeName
    public var valueSerde: SerdeName
    public var timestamp: Timestamp
    public var line: Int?
}

/// A call of a plugin's typed function on JSON fields of the record value.
public struct FunctionCall: Sendable, Equatable {
    public var plugin: String
    public var function: String
    /// JSON fields of the value passed as the arguments, in order.
    public var fields: [String]
}

public struct ProcessorSpec: Sendable {
    public enum Kind: Sendable {
        /// A processor of a plugin, with its config.
        case plugin(plugin: String, processor: String, config: [String: String])
        /// Keep records for which the function returns true.
        case filter(FunctionCall)
        /// Set `outputField` of the JSON value to the function's result.
        case mapValues(FunctionCall, outputField: String)
        /// Re-key each record by a JSON field of its value.
        case selectKey(field: String)
        /// Write to `<application.id>-<name>-repartition` and read back, so that records
        /// are co-partitioned by their (new) key.
        case repartition(partitions: Int?)
        /// A stateful aggregation by key (`count`, `reduce`, `aggregate`) that emits each
        /// key's new value downstream: a KTable's changelog stream.
        case aggregate(AggregateSpec)
    }

    public var name: String
    public var inputs: [String]
    public var kind: Kind
    public var line: Int?
}

public struct SinkSpec: Sendable {
    public var name: String
    public var topic: String
    public var inputs: [String]
    public var keySerde: SerdeName
    public var valueSerde: SerdeName
    public var line: Int?
}

/// A built-in aggregation by record key, kept in a host store named `store`.
///
/// - `count`: the number of records per key, emitted as an 8-byte big-endian long.
/// - `reduce`: `function(current, field)` over the values' JSON `field`; the first value
///   starts each key. Emitted as JSON text of the result.
/// - `aggregate`: the same from `initial` for every key.
public struct AggregateSpec: Sendable, Equatable {
    public enum Operation: String, Sendable, CaseIterable {
        case count, reduce, aggregate
    }

    public var operation: Operation
    /// The store holding the current value per key (`materialized`).
    public var store: String
    /// The typed function `(current, value) -> new` (reduce and aggregate).
    public var function: FunctionCall?
    /// The JSON field of each value passed as the function's second argument.
    public var field: String?
    /// The aggregate's start value, as JSON text (aggregate).
    public var initial: String?
}

/// Options for a store a plugin processor declares.
public struct StoreSpec: Sendable {
    public var name: String
    /// RocksDB on disk (`true`) or memory only.
    public var persistent: Bool
    /// Back the store with a changelog topic; nil keeps what the processor declares
    /// (built-in aggregations are logged).
    public var logged: Bool?
    /// Window stores: how long windows are kept behind stream time (`retention.ms`),
    /// overriding the processor's declaration; nil keeps the declared retention.
    public var retentionMs: Int?
    public var line: Int?

    /// The longest `retention.ms` accepted: ten years.
    static let maxRetentionMs = 315_360_000_000
}
