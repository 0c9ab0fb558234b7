/// What a worker needs to run in production, beside its topology: its HTTP endpoint, the
/// handlers for records and threads that fail, how internal topics are created, and when the
/// state of tasks it no longer runs is removed. Keys and defaults are Kafka Streams'.
public struct OperationsConfig: Sendable, Equatable {
    /// What a stream thread that ends with an error leaves behind
    /// (`uncaught.exception.handler`, Kafka Streams' `StreamsUncaughtExceptionHandler`).
    public enum UncaughtExceptionHandler: String, Sendable, CaseIterable {
        /// Start a new stream thread in its place (same index, so its `transactional.id`
        /// fences what the dead one left open); the worker keeps running.
        case replaceThread = "replace_thread"
        /// Stop this worker (exit status 1); the other workers take its partitions.
        case shutdownClient = "shutdown_client"
        /// Stop every worker of the application (exit status 2), through the metadata topic.
        case shutdownApplication = "shutdown_application"
    }

    /// What happens to a record the producer refuses (`default.production.exception.handler`).
    public enum ProductionExceptionHandler: String, Sendable, CaseIterable {
        /// Fail the stream thread.
        case fail
        /// Log and count a record refused as too large (`MSG_SIZE_TOO_LARGE`) and go on; any
        /// other refusal still fails the thread, as Kafka Streams' handler does.
        case `continue`
    }

    /// Which metrics are recorded (`metrics.recording.level`): store metrics only at `DEBUG`.
    public enum RecordingLevel: String, Sendable, CaseIterable {
        case info = "INFO"
        case debug = "DEBUG"
    }

    /// `host:port` other workers and clients reach this worker's endpoint at
    /// (`application.server`); nil: no endpoint.
    public var server: ServerAddress?
    /// The address the endpoint listens on (`application.server.bind`): loopback unless told
    /// otherwise, so that a worker is not reachable from the network by accident.
    public var serverBind: String = "127.0.0.1"
    /// The handler of records a processor rejects (`processing.exception.handler`); defaults to
    /// `default.deserialization.exception.handler`'s value.
    public var processingHandler: AppConfig.ErrorHandler = .deadLetter
    public var productionHandler: ProductionExceptionHandler = .fail
    public var uncaughtHandler: UncaughtExceptionHandler = .shutdownClient
    /// Replicas of the changelog, repartition, dead-letter and metadata topics
    /// (`replication.factor`); -1: the broker's `default.replication.factor`, as Kafka Streams
    /// since 3.0.
    public var replicationFactor: Int = -1
    /// Topic configs for every internal topic (`topic.*`, prefix removed), e.g.
    /// `topic.min.insync.replicas: 2`.
    public var topicConfigs: [String: String] = [:]
    /// How long a task directory this worker does not run is kept before it is removed
    /// (`state.cleanup.delay.ms`, Kafka Streams' default 10 minutes).
    public var stateCleanupDelayMs: Int = 600_000
    public var recordingLevel: RecordingLevel = .info

    public init() {}

    /// The keys read here, for the application file's list of known keys.
    static let keys = [
        "application.server", "application.server.bind", "processing.exception.handler",
        "default.production.exception.handler",
        "uncaught.exception.handler", "replication.factor", "state.cleanup.delay.ms", "metrics.recording.level",
    ]
    /// Key prefixes read here: `topic.<config>`.
    static let topicPrefix = "topic."
}

/// A `host:port` pair as `application.server` gives it.
public struct ServerAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `host:port`; nil when it is not one.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
            (0...65535).contains(port)
        else { return nil }
        let host = String(text[..<colon])
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else { return nil }
        self.init(host: host, port: port)
    }

    public var description: String { "\(host):\(port)" }
}

extension AppConfig {
    /// Whether a handler sends records to the dead-letter topic, which must then exist.
    var writesDeadLetters: Bool { errorHandler == .deadLetter || operations.processingHandler == .deadLetter }
}
