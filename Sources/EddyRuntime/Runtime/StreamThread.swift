import EddyEngine
import EddyHost
import EddyKafka
import EddyPlugins
import EddyState
import Foundation
import Logging
import Synchronization

/// One stream thread: a dedicated OS thread with its own consumer (a member of the
/// application's group), its own producer (transactional under exactly-once) and the tasks
/// of the partitions the group assigns to it.
///
/// Everything here runs on that thread; other threads only read the counters and ask it to
/// stop. Blocking librdkafka calls therefore never touch Swift's cooperative pool.
final class StreamThread: @unchecked Sendable {
    let index: Int
    let config: AppConfig
    /// The worker's `instance.id`: the configured one, or the one kept in its state directory.
    let instanceId: String
    let topology: Topology
    let plugins: PluginSet
    let kafka: KafkaConfiguration
    let logger: Logger
    let metrics: ThreadMetrics
    let clock: WallClock
    let stateDirectory: StateDirectory
    /// The worker's global stores, which every task reads; nil without global tables.
    let globalStores: GlobalStateManager?

    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    let failure = Mutex<(any Error)?>(nil)
    /// Restarts after isolated plugins' processes failed (see ``PluginRestartPolicy``).
    var pluginRestarts: PluginRestartPolicy

    // Owned by the thread (its extensions in StreamThread+*.swift included).
    var consumer: KafkaConsumer!
    var producer: KafkaProducer!
    var collector: RecordCollector!
    var tasks: [TaskId: StreamTask] = [:] {
        didSet {
            lastInput = nil
            metrics.assignment.withLock { $0.running = Set(tasks.keys) }
        }
    }
    /// The task and input index of the last run's partition: consecutive runs often come
    /// from one partition, so they skip the lookups.
    var lastInput: (topic: OpaquePointer, partition: Int32, task: StreamTask, input: Int)?
    /// Tasks whose stores are open and whose source partitions are paused while the
    /// changelog reader restores them; they become `tasks` when restored.
    var restoring: [TaskId: [TaskStore]] = [:] {
        didSet { metrics.assignment.withLock { $0.restoring = Set(restoring.keys) } }
    }
    /// The thread's restore consumer, kept across sessions.
    let changelogReader: ChangelogReader
    /// The plugin builds this thread's tasks run; changes only at a swap.
    var pluginsInUse: [String: LoadedPlugin]
    /// Swaps other threads asked for, handled at the next commit boundary.
    let swaps = Mutex<[PluginSwap]>([])
    /// Each task's locked state directory.
    var taskDirectories: [TaskId: TaskStateDirectory] = [:]
    /// The record cache budget this thread's stores share.
    lazy var cacheBudget = RecordCacheBudget(maxBytes: config.cacheMaxBytes)
    /// The offset after the last changelog record delivered, per changelog partition.
    let changelogEnds = ChangelogEnds()
    var committed: [KafkaTopicPartition: Int64] = [:]
    /// The partitions the group assigned to this thread's consumer, as the rebalance
    /// listener saw them: a task reading several of them orders its input.
    var assigned: Set<KafkaTopicPartition> = []
    /// Whether a sub-topology reads several topics, so that its tasks order their input
    /// (see `StreamThread+PartitionGroups.swift`).
    lazy var ordersInput = topology.subTopologies.contains { $0.sourceTopics.count > 1 }
    var lastCommit = ContinuousClock.now
    /// Set while the thread is failing: the revocation on close must not commit.
    var failing = false
    /// When the plugins' metrics were last copied for `/metrics`.
    var lastPluginMetrics = ContinuousClock.now
    /// Interactive queries waiting for this thread (see `StreamThread+Queries.swift`).
    let queries = QueryMailbox()

    init(
        index: Int, config: AppConfig, instanceId: String, topology: Topology, plugins: PluginSet,
        kafka: KafkaConfiguration, clock: WallClock,
        stateDirectory: StateDirectory, globalStores: GlobalStateManager? = nil, restoreHold: RestoreHold? = nil,
        logger: Logger
    ) {
        self.clock = clock
        self.stateDirectory = stateDirectory
        self.globalStores = globalStores
        self.pluginsInUse = plugins.plugins
        self.index = index
        self.config = config
        self.instanceId = instanceId
        self.topology = topology
        self.plugins = plugins
        self.kafka = kafka
        var logger = logger
        logger[metadataKey: "thread"] = "\(index)"
        self.logger = logger
        self.metrics = ThreadMetrics()
        self.pluginRestarts = PluginRestartPolicy(config.pluginIsolation)
        self.changelogReader = ChangelogReader(configuration: kafka, hold: restoreHold, logger: logger)
    }

    /// The `transactional.id` of this thread: stable across restarts of the same worker, so
    /// that a restarted worker fences its own zombie at once. Also its consumer's
    /// `group.instance.id` under static membership.
    var transactionalId: String { "\(config.applicationId)-\(instanceId)-\(index)" }

    /// Called on the thread, last, when it ends (by error or by request); set before ``start()``.
    var onEnd: (@Sendable (StreamThread) -> Void)?

    func start() {
        let thread = Thread { [self] in
            Self.nameKernelThread("eddy-stream-\(index)")
            run()
            queries.close("stream thread \(index) has stopped")
            finished.signal()
            onEnd?(self)
        }
        thread.name = "eddy-stream-\(index)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Gives the calling thread the kernel's name `name` (at most 15 bytes are kept), which
    /// `top -H`, `perf` and the benchmark's allocation counts show: Foundation's
    /// `Thread.name` does not set it on Linux, and glibc's `pthread_setname_np` is not
    /// imported into Swift.
    private static func nameKernelThread(_ name: String) {
        let file = open("/proc/thread-self/comm", O_WRONLY)
        guard file >= 0 else { return }
        defer { close(file) }
        var bytes = Array(name.utf8.prefix(15))
        _ = write(file, &bytes, bytes.count)
    }

    /// Asks the thread to commit, close its tasks and leave the group.
    func requestStop() { stopRequested.store(true, ordering: .relaxed) }

    /// Whether a stop was asked for.
    var isStopRequested: Bool { stopRequested.load(ordering: .relaxed) }

    /// Whether the thread ended with an error.
    var hasFailed: Bool { failure.withLock { $0 != nil } }

    /// Waits for the thread to end; returns the error that ended it, if any.
    func join() -> (any Error)? {
        finished.wait()
        finished.signal()
        return failure.withLock { $0 }
    }

    // MARK: - The loop

    private func run() {
        defer { changelogReader.close() }
        while !stopRequested.load(ordering: .relaxed) {
            do {
                try runSession()
                return
            } catch let migrated as TasksMigrated {
                logger.warning("\(migrated)")
                closeSessionDirty()
                continue
            } catch let error as KafkaError {
                if case .transaction(let txn) = error, txn.kind == .fatal {
                    let cause =
                        txn.isFenced
                        ? " (another producer started with transactional.id \(transactionalId): this worker restarted while its "
                            + "zombie ran, or another running worker has instance.id \(instanceId); each running worker needs its own)"
                        : ""
                    logger.error("producer fenced or failed fatally; closing tasks dirty and rejoining: \(txn)\(cause)")
                    closeSessionDirty()
                    continue
                }
                logger.error("stream thread \(index) stopped: \(error)")
                failure.withLock { $0 = error }
                closeSessionDirty()
                return
            } catch {
                if restartAfterPluginFailure(error) { continue }
                logger.error("stream thread \(index) stopped: \(error)")
                failure.withLock { $0 = error }
                closeSessionDirty()
                return
            }
        }
    }

    /// One membership of the group: create clients, process until asked to stop, commit and
    /// leave. Throws on errors that end the session.
    private func runSession() throws {
        failing = false
        routes.removeAll()  // topic handles belong to the consumer about to be created
        let deliveryFailures = KafkaDeliveryFailures()
        var producerConfig = kafka.withDefaults(["partitioner": "murmur2_random", "acks": "all"])
        if config.isExactlyOnce {
            producerConfig["transactional.id"] = transactionalId
            producerConfig["transaction.timeout.ms"] = String(config.transactionTimeoutMs)
        }
        let changelogEnds = self.changelogEnds
        producer = try KafkaProducer(configuration: producerConfig, logger: logger, deliveryReports: .failuresAndTagged)
        { report in
            if let error = report.error {
                deliveryFailures.record(error)
            } else {
                changelogEnds.delivered(tag: report.tag, offset: report.offset)
            }
        }
        if config.isExactlyOnce { try producer.initTransactions(timeout: .seconds(60)) }
        collector = RecordCollector(
            producer: producer, transactional: config.isExactlyOnce, deliveryFailure: deliveryFailures)
        collector.productionHandler = config.operations.productionHandler
        collector.logger = logger

        var consumerConfig = kafka
        consumerConfig["group.id"] = config.applicationId
        if config.staticMembership { consumerConfig["group.instance.id"] = transactionalId }
        consumerConfig["partition.assignment.strategy"] = CoPartitioning.assignmentStrategy(for: topology)
        consumerConfig["isolation.level"] = config.isExactlyOnce ? "read_committed" : "read_uncommitted"
        consumerConfig = consumerConfig.withDefaults(["statistics.interval.ms": "1000", "fetch.wait.max.ms": "50"])
        // Tasks of several partitions learn that one is caught up from the partition's end.
        if ordersInput { consumerConfig["enable.partition.eof"] = "true" }
        let metrics = self.metrics
        consumer = try KafkaConsumer(
            configuration: consumerConfig, logger: logger,
            rebalanceListener: { [unowned self] _, event in rebalance(event) },
            onStatistics: { stats in metrics.lag.withLock { $0 = stats.consumerLag } })
        assigned = []
        if ordersInput {
            consumer.onPartitionEnd = { [unowned self] handle, partition in partitionEnded(handle, partition) }
        }
        try consumer.subscribe(topics: topology.sourceTopics)
        queries.wake.withLock { [consumer] in $0 = { consumer?.wakeUp() } }
        let assignor = consumerConfig["partition.assignment.strategy"] ?? ""
        logger.info(
            "stream thread \(index) joined group \(config.applicationId) for \(topology.sourceTopics.joined(separator: ", ")) (assignor \(assignor))"
        )

        while !stopRequested.load(ordering: .relaxed) {
            // While anything restores, the main poll does not wait: the restore slice does.
            try recoveringPluginFailures {
                try pollAndProcess(timeout: changelogReader.isRestoring ? .zero : .milliseconds(50))
            }
            if changelogReader.isRestoring { try restoreSlice() }
            if queries.hasPending { answerQueries() }
            if let swap = swaps.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { try perform(swap) }
            let now = clock.now()
            try recoveringPluginFailures { for task in tasks.values { try task.punctuateWallClock(now: now) } }
            if ContinuousClock.now - lastCommit >= .milliseconds(config.commitIntervalMs)
                || tasks.values.contains(where: { $0.commitRequested || $0.storesNeedCommit })
            {
                try timedCommit { try commitOrRecover() }
            }
            publishPluginMetricsIfDue()
            producer.poll()
        }
        try commitOrRecover()
        consumer.close()
        closeAllTasks()
        if config.isExactlyOnce == false { try producer.flush(timeout: .seconds(30)) }
        logger.info("stream thread \(index) stopped cleanly: \(timeSpent)")
    }

    /// A source topic's name and sub-topology by the consumer's topic handle, looked up once
    /// per topic instead of once per record.
    private var routes: [OpaquePointer: (topic: String, subTopology: Int?)] = [:]

    func route(_ handle: OpaquePointer) -> (topic: String, subTopology: Int?) {
        if let known = routes[handle] { return known }
        let topic = KafkaRecordView.topicName(of: handle)
        let route = (topic, topology.subTopology(readingTopic: topic)?.id)
        routes[handle] = route
        return route
    }

    private func pollAndProcess(timeout: Duration) throws {
        var pendingError: (any Error)?
        var rewinds: [KafkaTopicPartitionOffset] = []
        var buffered = 0
        let count = try consumer.pollRuns(maxRecords: 1000, timeout: timeout) { run in
            guard pendingError == nil else { return }
            do {
                if let last = lastInput, last.topic == run.topicHandle, last.partition == run.partition {
                    if let group = last.task.partitionGroup {
                        group.add(run, slot: last.input)
                        buffered += run.count
                        return
                    }
                    try timedProcess(run.count) { try last.task.process(run, input: last.input) }
                    return
                }
                let (topic, sub) = route(run.topicHandle)
                guard let sub, let task = tasks[TaskId(subTopology: sub, partition: run.partition)] else {
                    if let rewind = unownedRecord(topic, sub, run.partition, run[0].offset) { rewinds.append(rewind) }
                    return
                }
                let input = try task.input(topic: topic, partition: run.partition)
                lastInput = (run.topicHandle, run.partition, task, input)
                if let group = task.partitionGroup {
                    group.add(run, slot: input)
                    buffered += run.count
                    return
                }
                try timedProcess(run.count) { try task.process(run, input: input) }
            } catch {
                pendingError = error
            }
        }
        if pendingError == nil, ordersInput {
            do { buffered -= try processBufferedInput() } catch { pendingError = error }
        }
        metrics.processed.add(count - buffered, ordering: .relaxed)
        metrics.polls.add(1, ordering: .relaxed)
        if count > 0, pendingError == nil {
            do { try FaultInjection.fail(at: .streamThreadFailure) } catch { pendingError = error }
        }
        if !rewinds.isEmpty { try rewind(rewinds) }
        if let pendingError {
            failing = true
            throw pendingError
        }
    }

    /// A record of a partition this thread runs no task for. A restoring task's partitions
    /// are paused before their first fetch, so none should come; if one does, it is not
    /// dropped: the caller seeks its partition back to it.
    private func unownedRecord(_ topic: String, _ sub: Int?, _ partition: Int32, _ offset: Int64)
        -> KafkaTopicPartitionOffset?
    {
        guard let sub, restoring[TaskId(subTopology: sub, partition: partition)] != nil else {
            logger.warning("no task for \(topic)-\(partition); record at offset \(offset) left for its owner")
            return nil
        }
        return KafkaTopicPartitionOffset(topic: topic, partition: partition, offset: offset)
    }

    /// Seeks restoring tasks' partitions back to the first record a poll returned for them.
    private func rewind(_ records: [KafkaTopicPartitionOffset]) throws {
        var first: [KafkaTopicPartition: KafkaTopicPartitionOffset] = [:]
        for record in records where first[record.topicPartition] == nil { first[record.topicPartition] = record }
        logger.warning(
            "records of restoring tasks were fetched; seeking back to \(first.values.map { "\($0.topicPartition)@\($0.offset)" })"
        )
        try consumer.pause(Array(first.keys))
        try consumer.seek(Array(first.values))
    }
}
