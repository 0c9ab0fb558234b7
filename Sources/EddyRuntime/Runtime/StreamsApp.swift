import EddyEngine
import EddyKafka
import EddyState
import Foundation
import Logging
import Synchronization

/// A worker node: what `eddy run app.yaml` runs. Like Kafka Streams' `KafkaStreams`, it
/// checks the topology against the cluster, creates the internal topics, and runs
/// `num.stream.threads` stream threads in the application's consumer group. Workers with
/// the same `application.id` share the partitions.
public final class StreamsApp: @unchecked Sendable {
    public let config: AppConfig
    public let topology: Topology
    public let plugins: PluginSet
    public let logger: Logger
    /// The bootstrap servers in use (the embedded broker's when `bootstrap.servers: embedded`).
    public let bootstrapServers: String
    private let embeddedBroker: EmbeddedBroker?
    private let clock: WallClock
    /// The running stream threads (a failed one replaced under `replace_thread`).
    var threads: [StreamThread] { supervisor?.threads ?? [] }
    private var supervisor: ThreadSupervisor?
    /// Empties the task directories this worker no longer runs (`state.cleanup.delay.ms`).
    private var cleaner: StateCleaner?
    /// This worker's link to the application's metadata topic, from ``start()`` on.
    public private(set) var metadata: MetadataChannel?
    /// A test's hold on one task's restoration; set before ``start()``.
    var restoreHold: RestoreHold?
    /// Serializes reloads and rollbacks.
    let reloads = Mutex<Void>(())
    private var watcher: PluginWatcher?
    /// Completed reloads and rollbacks.
    public let reloadCount = Atomic<Int>(0)
    /// The hold on the state directory, from ``start()`` until ``join()`` saw every thread end.
    private var claim: WorkerClaim?
    /// The partition count of each sub-topology's input, as found at ``start()``: which task
    /// holds a key (interactive queries).
    let partitionCounts = Mutex<[Int: Int32]>([:])
    /// The global stores and the thread that keeps them, from ``start()`` on; nil without global tables.
    var global: (stores: GlobalStateManager, thread: GlobalStreamThread)?

    /// Loads the plugins and validates the topology against them; starts the embedded broker
    /// when the application asks for one.
    public convenience init(
        config: AppConfig, clock: WallClock = .system, logger: Logger = Logger(label: "eddy.runtime")
    ) throws {
        let plugins = try PluginSet.load(for: config)
        try self.init(
            config: config, plugins: plugins, topology: try Topology.build(config, plugins: plugins), clock: clock,
            logger: logger)
    }

    /// The lowest-level entry point: runs `topology`, made in code, in place of the one the
    /// application file's `topology:` section describes; everything else (cluster, guarantee,
    /// threads, state, plugins) comes from `config`. The topology is validated as a compiled
    /// one is. For topologies the file cannot express yet, and for tests of the runtime.
    public convenience init(
        config: AppConfig, topology: Topology, clock: WallClock = .system,
        logger: Logger = Logger(label: "eddy.runtime")
    ) throws {
        try self.init(
            config: config, plugins: try PluginSet.load(for: config), topology: topology, clock: clock, logger: logger)
    }

    private init(config: AppConfig, plugins: PluginSet, topology: Topology, clock: WallClock, logger: Logger) throws {
        self.config = config
        self.clock = clock
        self.logger = logger
        self.plugins = plugins
        self.topology = topology
        try StoreLayout.validate(topology, config: config, plugins: plugins)
        switch config.bootstrapServers {
        case .embedded:
            let broker = try EmbeddedBroker()
            embeddedBroker = broker
            bootstrapServers = broker.bootstrapServers
            logger.info("started the embedded broker at \(broker.bootstrapServers)")
        case .servers(let servers):
            embeddedBroker = nil
            bootstrapServers = servers
        }
    }

    /// librdkafka properties for every client: the app's `kafka:` section plus the cluster.
    public var kafkaConfiguration: KafkaConfiguration {
        var configuration = KafkaConfiguration(config.kafka)
        configuration["bootstrap.servers"] = bootstrapServers
        return configuration
    }

    /// Claims the state directory (refused while another worker runs on it), checks that the
    /// source topics exist, creates the internal topics, and starts the threads.
    public func start() throws {
        let stateDirectory = try StateDirectory(
            root: config.stateDir, applicationId: config.applicationId,
            environment: RocksDBEnvironment(memoryMB: config.rocksDBMemoryMB))
        let claim = try stateDirectory.claim()
        self.claim = claim
        // The configured instance.id, or the one kept in the state directory.
        let instanceId = config.instanceId ?? claim.instanceId
        do {
            let globalPartitions = try globalTablePartitions()
            try createInternalTopics()
            global = try openGlobalStores(stateDirectory, partitions: globalPartitions)
            try global?.thread.startAndBootstrap()
        } catch {
            stopGlobalStores()
            claim.release()
            throw error
        }
        let supervisor = ThreadSupervisor(
            policy: config.operations.uncaughtHandler, logger: logger,
            shutdownApplication: { [weak self] reason in self?.metadata?.requestShutdown(reason) }
        ) { [config, topology, plugins, kafkaConfiguration, clock, restoreHold, logger, global] index in
            StreamThread(
                index: index, config: config, instanceId: instanceId, topology: topology, plugins: plugins,
                kafka: kafkaConfiguration,
                clock: clock, stateDirectory: stateDirectory, globalStores: global?.stores, restoreHold: restoreHold,
                logger: logger)
        }
        self.supervisor = supervisor
        global?.thread.onFailure = { [weak supervisor] error in supervisor?.requestStop(.globalThreadFailed(error)) }
        do {
            metadata = try startMetadata(instanceId: instanceId, supervisor: supervisor)
        } catch {
            stopGlobalStores()
            claim.release()
            throw error
        }
        supervisor.start(count: config.numStreamThreads)
        cleaner = StateCleaner(
            directory: stateDirectory, delayMs: config.operations.stateCleanupDelayMs,
            owned: { [weak supervisor] in
                guard let supervisor, supervisor.stopRequest == nil else { return nil }
                return Set(
                    supervisor.threads.flatMap { thread in
                        thread.metrics.assignment.withLock { Array($0.running.union($0.restoring)).map(\.description) }
                    })
            }, logger: logger)
        cleaner?.start()
        if config.watchPlugins {
            watcher = try PluginWatcher(
                directory: config.pluginsDir, plugins: { [plugins] in Array(plugins.plugins.keys) }, logger: logger
            ) { [weak self] name in
                _ = try? self?.reload(name)
            }
        }
        logger.info(
            "\(config.applicationId): \(threads.count) stream thread(s) started, \(config.processingGuarantee.rawValue), instance \(instanceId)"
        )
    }

    /// Asks every thread to commit, close its tasks and leave the group.
    public func requestStop() {
        watcher?.stop()
        supervisor?.requestStop()
    }

    /// Waits for every thread to end (replacing failed ones under `replace_thread`); the
    /// error the worker stopped with, if any (see ``stopCause``). Joining again returns it again.
    public func join() -> (any Error)? {
        if let stopCause { return stopCause.error }  // joined before: everything is stopped
        let cause = supervisor?.run() ?? .requested
        stopCause = cause
        stopGlobalStores()
        watcher?.stop()
        cleaner?.stop()
        metadata?.stop()
        claim?.release()
        embeddedBroker?.stop()
        return cause.error
    }

    /// Why the worker is stopping, once that is decided.
    var stopRequested: WorkerStopCause? { supervisor?.stopRequest }

    /// Why the worker stopped, once ``join()`` returned: it decides `eddy run`'s exit status.
    public private(set) var stopCause: WorkerStopCause?

    /// Stream threads started in place of failed ones (`replace_thread`).
    public var threadReplacements: Int { supervisor?.replacements.load(ordering: .relaxed) ?? 0 }

    /// Counters across threads, for the progress line.
    public func progress() -> Progress {
        var lag: [KafkaTopicPartition: Int64] = [:]
        for thread in threads { lag.merge(thread.metrics.lag.withLock { $0 }) { $1 } }
        return Progress(
            processed: threads.reduce(0) { $0 + $1.metrics.processed.load(ordering: .relaxed) },
            restored: threads.reduce(0) { $0 + $1.metrics.restored.load(ordering: .relaxed) },
            restoringTasks: threads.reduce(0) { $0 + $1.metrics.restoringTasks.load(ordering: .relaxed) },
            restoreDone: threads.reduce(0) { $0 + $1.metrics.restoreDone.load(ordering: .relaxed) },
            restoreTotal: threads.reduce(0) { $0 + $1.metrics.restoreTotal.load(ordering: .relaxed) },
            commits: threads.reduce(0) { $0 + $1.metrics.commits.load(ordering: .relaxed) },
            tasks: threads.reduce(0) { $0 + $1.metrics.tasks.load(ordering: .relaxed) },
            tasksPerThread: threads.map { $0.metrics.tasks.load(ordering: .relaxed) },
            rebalances: threads.reduce(0) { $0 + $1.metrics.rebalances.load(ordering: .relaxed) },
            failed: threads.reduce(0) { $0 + $1.metrics.failed.load(ordering: .relaxed) },
            dropped: threads.reduce(0) { $0 + $1.metrics.dropped.load(ordering: .relaxed) },
            lag: lag)
    }

    public struct Progress: Sendable {
        public var processed: Int
        /// Changelog records restored into stores since the start.
        public var restored: Int
        /// Tasks now restoring their stores (their partitions wait), and how far they are:
        /// changelog offsets read of the offsets to read.
        public var restoringTasks: Int
        public var restoreDone: Int
        public var restoreTotal: Int
        public var commits: Int
        public var tasks: Int
        /// Tasks owned by each stream thread, in thread order.
        public var tasksPerThread: [Int]
        /// Assignment changes that moved partitions, across the threads' consumers (a reload
        /// adds none).
        public var rebalances: Int
        /// Records handed to the error handler (`default.deserialization.exception.handler`).
        public var failed: Int
        /// Records skipped and counted (Kafka Streams' `dropped-records`): late for their
        /// windows, or with a null key or value where an aggregation needs both.
        public var dropped: Int
        public var lag: [KafkaTopicPartition: Int64]
        public var totalLag: Int64 { lag.values.reduce(0, +) }
    }

    // MARK: - Topics

    private func createInternalTopics() throws {
        let admin = try KafkaAdmin(configuration: kafkaConfiguration, logger: logger)
        let metadata = try admin.metadata()
        let internalNames = Set(topology.internalTopics.map(\.name))
        var partitionsOf: [Int: Int32] = [:]
        for sub in topology.subTopologies {
            for topic in sub.sourceTopics where !internalNames.contains(topic) {
                guard let found = metadata.topic(topic), found.error == nil, !found.partitions.isEmpty else {
                    throw AppConfigError(
                        file: config.file, line: nil, key: "topology.sources",
                        message:
                            "source topic '\(topic)' does not exist — create it first, e.g. `eddy topic create \(topic) --partitions 6`"
                    )
                }
                partitionsOf[sub.id] = max(partitionsOf[sub.id] ?? 0, Int32(found.partitions.count))
            }
        }
        var newTopics: [KafkaNewTopic] = []
        // Every source topic's partition count: the cluster's, or what a new repartition topic gets.
        var sourcePartitions: [String: Int32] = [:]
        for topic in topology.sourceTopics {
            if let found = metadata.topic(topic), found.error == nil, !found.partitions.isEmpty {
                sourcePartitions[topic] = Int32(found.partitions.count)
            }
        }
        for repartition in topology.internalTopics where repartition.kind == .repartition {
            let upstream = topology.subTopologies.first { $0.sinkTopics.contains(repartition.name) }.flatMap {
                partitionsOf[$0.id]
            }
            let partitions = Int32(repartition.partitions ?? Int(upstream ?? 1))
            partitionsOf[repartition.subTopology] = partitions
            sourcePartitions[repartition.name] = sourcePartitions[repartition.name] ?? partitions
            newTopics.append(config.internalTopic(repartition.name, partitions: partitions))
        }
        let groups = CoPartitioning.groups(of: topology) { [config, plugins] in
            !StoreLayout.stores(of: $0, config: config, plugins: plugins).isEmpty
        }
        try CoPartitioning.check(groups, partitions: sourcePartitions, file: config.file)
        for sub in topology.subTopologies {
            for store in StoreLayout.stores(
                of: sub, config: config, plugins: plugins, sourceChangelogs: topology.sourceChangelogs)
            where store.logged {
                newTopics.append(
                    config.internalTopic(
                        Topology.changelogTopic(config.applicationId, store.name),
                        partitions: partitionsOf[sub.id] ?? 1,
                        configs: store.changelogConfigs))
            }
        }
        partitionCounts.withLock { [partitionsOf] in $0 = partitionsOf }
        if config.writesDeadLetters {
            newTopics.append(config.internalTopic(config.deadLetterTopic, partitions: 1))
        }
        if !newTopics.isEmpty {
            try admin.createTopics(newTopics, ifNotExists: true)
            logger.info("internal topics ready: \(newTopics.map(\.name).joined(separator: ", "))")
        }
    }
}
