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
    let topology: Topology
    let plugins: PluginSet
    let kafka: KafkaConfiguration
    let logger: Logger
    let metrics: ThreadMetrics
    let clock: WallClock
    let stateDirectory: StateDirectory

    private let stopRequested = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let failure = Mutex<(any Error)?>(nil)

    // Owned by the thread.
    private var consumer: KafkaConsumer!
    private var producer: KafkaProducer!
    private var collector: RecordCollector!
    private var tasks: [TaskId: StreamTask] = [:] {
        didSet { lastInput = nil }
    }
    /// The task and input index of the last record's partition: consecutive records mostly
    /// come from one partition, so most records skip the lookups.
    private var lastInput: (topic: OpaquePointer, partition: Int32, task: StreamTask, input: Int)?
    /// The plugin builds this thread's tasks run; changes only at a swap.
    private var pluginsInUse: [String: LoadedPlugin]
    /// Swaps other threads asked for, handled at the next commit boundary.
    private let swaps = Mutex<[PluginSwap]>([])
    /// Each task's locked state directory.
    private var taskDirectories: [TaskId: TaskStateDirectory] = [:]
    /// The record cache budget this thread's stores share.
    private lazy var cacheBudget = RecordCacheBudget(maxBytes: config.cacheMaxBytes)
    /// The offset after the last changelog record delivered, per changelog partition.
    private let changelogEnds = ChangelogEnds()
    private var committed: [KafkaTopicPartition: Int64] = [:]
    private var lastCommit = ContinuousClock.now
    /// Set while the thread is failing: the revocation on close must not commit.
    private var failing = false

    init(
        index: Int, config: AppConfig, topology: Topology, plugins: PluginSet, kafka: KafkaConfiguration, clock: WallClock,
        stateDirectory: StateDirectory, logger: Logger
    ) {
        self.clock = clock
        self.stateDirectory = stateDirectory
        self.pluginsInUse = plugins.plugins
        self.index = index
        self.config = config
        self.topology = topology
        self.plugins = plugins
        self.kafka = kafka
        var logger = logger
        logger[metadataKey: "thread"] = "\(index)"
        self.logger = logger
        self.metrics = ThreadMetrics()
    }

    /// The `transactional.id` of this thread: stable across restarts of the same worker, so
    /// that a restarted worker fences its own zombie at once.
    var transactionalId: String { "\(config.applicationId)-\(config.instanceId)-\(index)" }

    func start() {
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "eddy-stream-\(index)"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Asks the thread to commit, close its tasks and leave the group.
    func requestStop() { stopRequested.store(true, ordering: .relaxed) }

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
        while !stopRequested.load(ordering: .relaxed) {
            do {
                try runSession()
                return
            } catch let error as KafkaError {
                if case .transaction(let txn) = error, txn.kind == .fatal {
                    logger.error("producer fenced or failed fatally; closing tasks dirty and rejoining: \(txn)")
                    closeSessionDirty()
                    continue
                }
                logger.error("stream thread \(index) stopped: \(error)")
                failure.withLock { $0 = error }
                closeSessionDirty()
                return
            } catch {
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
        producer = try KafkaProducer(configuration: producerConfig, logger: logger, deliveryReports: .failuresAndTagged) { report in
            if let error = report.error {
                deliveryFailures.record(error)
            } else {
                changelogEnds.delivered(tag: report.tag, offset: report.offset)
            }
        }
        if config.isExactlyOnce { try producer.initTransactions(timeout: .seconds(60)) }
        collector = RecordCollector(producer: producer, transactional: config.isExactlyOnce, deliveryFailure: deliveryFailures)

        var consumerConfig = kafka
        consumerConfig["group.id"] = config.applicationId
        consumerConfig["partition.assignment.strategy"] = "cooperative-sticky"
        consumerConfig["isolation.level"] = config.isExactlyOnce ? "read_committed" : "read_uncommitted"
        consumerConfig = consumerConfig.withDefaults(["statistics.interval.ms": "1000", "fetch.wait.max.ms": "50"])
        let metrics = self.metrics
        consumer = try KafkaConsumer(
            configuration: consumerConfig, logger: logger,
            rebalanceListener: { [unowned self] _, event in rebalance(event) },
            onStatistics: { stats in metrics.lag.withLock { $0 = stats.consumerLag } })
        try consumer.subscribe(topics: topology.sourceTopics)
        logger.info("stream thread \(index) joined group \(config.applicationId) for \(topology.sourceTopics.joined(separator: ", "))")

        while !stopRequested.load(ordering: .relaxed) {
            try pollAndProcess()
            if let swap = swaps.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) { try perform(swap) }
            let now = clock.now()
            for task in tasks.values { try task.punctuateWallClock(now: now) }
            if ContinuousClock.now - lastCommit >= .milliseconds(config.commitIntervalMs)
                || tasks.values.contains(where: { $0.commitRequested || $0.storesNeedCommit })
            {
                try commitOrRecover()
            }
            producer.poll()
        }
        try commitOrRecover()
        consumer.close()
        closeAllTasks()
        if config.isExactlyOnce == false { try producer.flush(timeout: .seconds(30)) }
        logger.info("stream thread \(index) stopped cleanly")
    }

    /// A source topic's name and sub-topology by the consumer's topic handle, looked up once
    /// per topic instead of once per record.
    private var routes: [OpaquePointer: (topic: String, subTopology: Int?)] = [:]

    private func route(_ handle: OpaquePointer) -> (topic: String, subTopology: Int?) {
        if let known = routes[handle] { return known }
        let topic = KafkaRecordView.topicName(of: handle)
        let route = (topic, topology.subTopology(readingTopic: topic)?.id)
        routes[handle] = route
        return route
    }

    private func pollAndProcess() throws {
        var pendingError: (any Error)?
        let count = try consumer.poll(maxRecords: 1000, timeout: .milliseconds(50)) { record in
            guard pendingError == nil else { return }
            do {
                if let last = lastInput, last.topic == record.topicHandle, last.partition == record.partition {
                    try last.task.process(record, input: last.input)
                    return
                }
                let (topic, sub) = route(record.topicHandle)
                guard let sub, let task = tasks[TaskId(subTopology: sub, partition: record.partition)] else {
                    logger.warning("no task for \(topic)-\(record.partition); record at offset \(record.offset) left for its owner")
                    return
                }
                let input = try task.input(topic: topic, partition: record.partition)
                lastInput = (record.topicHandle, record.partition, task, input)
                try task.process(record, input: input)
            } catch {
                pendingError = error
            }
        }
        metrics.processed.add(count, ordering: .relaxed)
        if let pendingError {
            failing = true
            throw pendingError
        }
    }

    // MARK: - Commit

    /// Commits; under exactly-once an abortable failure aborts the transaction and rewinds
    /// every task to its last committed state.
    private func commitOrRecover() throws {
        do {
            try commit()
        } catch KafkaError.transaction(let txn) where txn.kind == .abortable {
            logger.warning("transaction aborted, rewinding tasks to their committed offsets: \(txn)")
            try producer.abortTransaction(timeout: .seconds(60))
            collector.transactionEnded()
            try rewindAllTasks()
        }
    }

    private func commit() throws {
        for task in tasks.values { try task.flushChangelogs(changelogEnds) }
        var offsets: [KafkaTopicPartitionOffset] = []
        for task in tasks.values {
            for (tp, next) in task.positions where committed[tp] != next {
                offsets.append(KafkaTopicPartitionOffset(topic: tp.topic, partition: tp.partition, offset: next))
            }
        }
        defer { lastCommit = .now }
        if config.isExactlyOnce {
            guard collector.inTransaction || !offsets.isEmpty else { return }
            try collector.beginIfNeeded()
            if !offsets.isEmpty {
                try producer.sendOffsetsToTransaction(offsets, groupMetadata: consumer.groupMetadata(), timeout: .seconds(60))
            }
            try producer.commitTransaction(timeout: .seconds(60))
            collector.transactionEnded()
            try checkpointStores()
        } else {
            guard !offsets.isEmpty || producer.inFlightCount > 0 || tasks.values.contains(where: { $0.stores.contains { $0.dirtyEntryCount > 0 } })
            else { return }
            try producer.flush(timeout: .seconds(60))
            if let failure = collector.deliveryFailure.take() { throw failure }
            try checkpointStores()
            if !offsets.isEmpty, try !commitOffsetsUnlessRebalancing(offsets) { return }
        }
        for offset in offsets { committed[offset.topicPartition] = offset.offset }
        metrics.commits.add(1, ordering: .relaxed)
    }

    /// After the changelog records are committed (exactly-once) or acknowledged
    /// (at-least-once): writes each store's cached updates to disk with the changelog offset
    /// after them, in one write batch, so the checkpoint never covers data the store lacks.
    private func checkpointStores() throws {
        producer.poll()
        for task in tasks.values {
            for store in task.stores where store.dirtyEntryCount > 0 {
                FaultInjection.reach(.afterCommitBeforeCheckpoint)
                let end = store.changelog.flatMap { changelogEnds.end(of: $0) }
                try store.commit(changelogEnd: end)
            }
        }
    }

    /// REBALANCE_IN_PROGRESS, ILLEGAL_GENERATION, UNKNOWN_MEMBER_ID: a commit raced a rebalance.
    static let rebalanceCodes: Set<Int32> = [27, 22, 25]

    /// Commits consumer offsets (at-least-once); returns false when the group is rebalancing.
    /// The offsets then stay uncommitted, so records after the last commit may be processed
    /// again by their next owner — the at-least-once contract.
    private func commitOffsetsUnlessRebalancing(_ offsets: [KafkaTopicPartitionOffset]) throws -> Bool {
        let outcome = Result<Void, KafkaError> { () throws(KafkaError) in try consumer.commit(offsets) }
        guard case .failure(let error) = outcome else { return true }
        guard case .request(_, let code, let reason) = error, Self.rebalanceCodes.contains(code.rawValue) else { throw error }
        logger.warning("offsets not committed, the group is rebalancing: \(reason)")
        return false
    }

    // MARK: - Plugin swaps

    /// Asks the thread to move its tasks to another build at its next commit boundary.
    func requestSwap(_ swap: PluginSwap) { swaps.withLock { $0.append(swap) } }

    /// Commits (transaction committed, caches written, nothing in flight), then replaces every
    /// instance of the plugin: all new instances are initialised first, and only when every
    /// one succeeded are the old ones closed. No offset moves and the consumer is untouched,
    /// so no rebalance happens.
    private func perform(_ swap: PluginSwap) throws {
        let started = ContinuousClock.now
        let name = swap.candidate.name
        do {
            try commitOrRecover()
        } catch {
            swap.finish(.failure(ReloadError(plugin: name, reason: "the commit before the swap failed: \(error)")))
            throw error
        }
        var prepared: [(task: StreamTask, instances: [(node: Int, instance: ProcessorInstance)])] = []
        do {
            for task in tasks.values { prepared.append((task, try task.prepareReload(of: name, to: swap.candidate.plugin))) }
        } catch {
            prepared.forEach { $0.instances.forEach { $0.instance.close() } }
            logger.error("swap of \(name) refused: init of the new build failed: \(error)")
            swap.finish(.failure(ReloadError(plugin: name, reason: "init of the new build failed: \(error)")))
            return
        }
        var processed: [PluginVersion: Int] = [:]
        do {
            for (task, instances) in prepared {
                processed.merge(try task.installReload(of: name, to: swap.candidate.plugin, instances)) { $0 + $1 }
            }
        } catch {
            swap.finish(.failure(ReloadError(plugin: name, reason: "installing the new build failed: \(error)")))
            throw error
        }
        pluginsInUse[name] = swap.candidate.plugin
        swap.finish(.success(PluginSwapReport(thread: index, pause: .now - started, tasks: prepared.count, processedByReplaced: processed)))
    }

    // MARK: - Tasks

    /// The rebalance listener, on this thread inside `poll`.
    private func rebalance(_ event: KafkaRebalanceEvent) {
        if !event.partitions.isEmpty { metrics.rebalances.add(1, ordering: .relaxed) }
        do {
            switch event {
            case .assigned(let partitions):
                for id in Set(partitions.compactMap(taskId)) where tasks[id] == nil {
                    tasks[id] = try createTask(id)
                }
            case .revoked(let partitions):
                let affected = Set(partitions.compactMap(taskId)).filter { tasks[$0] != nil }
                guard !affected.isEmpty else { return }
                if !failing { try commitOrRecover() }
                for id in affected { closeTask(id) }
            case .lost(let partitions):
                let affected = Set(partitions.compactMap(taskId)).filter { tasks[$0] != nil }
                if config.isExactlyOnce, collector.inTransaction {
                    try? producer.abortTransaction(timeout: .seconds(30))
                    collector.transactionEnded()
                }
                for id in affected { closeTask(id) }
            }
            metrics.tasks.store(tasks.count, ordering: .relaxed)
        } catch {
            logger.error("rebalance (\(event)) failed: \(error)")
            failing = true
            failure.withLock { $0 = $0 ?? error }
            requestStop()
        }
    }

    private func taskId(_ tp: KafkaTopicPartition) -> TaskId? {
        topology.subTopology(readingTopic: tp.topic).map { TaskId(subTopology: $0.id, partition: tp.partition) }
    }

    /// Creates a task: locks its state directory, opens its stores and restores them from
    /// their changelogs (only the tail after each store's checkpoint).
    private func createTask(_ id: TaskId) throws -> StreamTask {
        let sub = topology.subTopologies[id.subTopology]
        let directory = try stateDirectory.lockTask(id.description)
        do {
            let stores = try StoreLayout.stores(of: sub, config: config, plugins: plugins).map { spec in
                try TaskStore.open(spec, in: directory, partition: id.partition, applicationId: config.applicationId, cacheBudget: cacheBudget)
            }
            let restored = try StateRestorer(configuration: kafka, logger: logger).restore(stores)
            metrics.restored.add(restored, ordering: .relaxed)
            let task = try StreamTask(
                id: id, subTopology: sub, config: config, plugins: pluginsInUse, stores: stores, collector: collector, clock: clock,
                metrics: metrics,
                logger: logger)
            taskDirectories[id] = directory
            logger.info("task \(id) created (\(restored) changelog records restored)")
            return task
        } catch {
            directory.unlock()
            throw error
        }
    }

    /// Closes a task: its processors, then its stores. Uncommitted store writes are dropped
    /// (after a clean commit there are none), so the disk keeps its last checkpointed state.
    private func closeTask(_ id: TaskId) {
        guard let task = tasks.removeValue(forKey: id) else { return }
        task.close()
        for store in task.stores {
            store.close()
        }
        taskDirectories.removeValue(forKey: id)?.unlock()
        for tp in task.positions.keys { committed[tp] = nil }
        logger.info("task \(id) closed")
    }

    private func closeAllTasks() {
        for id in tasks.keys.sorted() { closeTask(id) }
        metrics.tasks.store(0, ordering: .relaxed)
    }

    /// After an aborted transaction: drop every task's state and uncommitted progress, seek
    /// back to the committed offsets and rebuild the tasks from their changelogs.
    private func rewindAllTasks() throws {
        let ids = tasks.keys.sorted()
        let partitions = tasks.values.flatMap { $0.positions.keys }
        closeAllTasks()
        let assigned = try consumer.assignment()
        let committedOffsets = try consumer.committed(assigned, timeout: .seconds(30))
        try consumer.seek(committedOffsets.map {
            KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.offset >= 0 ? $0.offset : KafkaOffset.beginning)
        })
        for tp in partitions { committed[tp] = nil }
        for id in ids { tasks[id] = try createTask(id) }
        metrics.tasks.store(tasks.count, ordering: .relaxed)
    }

    /// Ends a failed session: abort what is open, close tasks without committing, leave.
    private func closeSessionDirty() {
        failing = true
        if config.isExactlyOnce, let collector, collector.inTransaction {
            try? producer.abortTransaction(timeout: .seconds(10))
            collector.transactionEnded()
        }
        consumer?.close()
        closeAllTasks()
        consumer = nil
        producer = nil
        collector = nil
    }
}

/// The offset after the last changelog record the brokers acknowledged, per changelog
/// partition, filled from delivery reports on the stream thread. Changelog records are sent
/// with their partition's tag, so a report is matched without comparing topic names.
final class ChangelogEnds: @unchecked Sendable {
    private var tags: [ChangelogPartition: UInt] = [:]
    /// By tag - 1: the end, or -1 before the first acknowledged record.
    private var ends: [Int64] = []

    /// The tag to send `changelog`'s records with.
    func tag(for changelog: ChangelogPartition) -> UInt {
        if let known = tags[changelog] { return known }
        ends.append(-1)
        tags[changelog] = UInt(ends.count)
        return UInt(ends.count)
    }

    func delivered(tag: UInt, offset: Int64) {
        guard tag > 0, tag <= ends.count else { return }
        let index = Int(tag) - 1
        if offset + 1 > ends[index] { ends[index] = offset + 1 }
    }

    func end(of changelog: ChangelogPartition) -> Int64? {
        guard let tag = tags[changelog], ends[Int(tag) - 1] >= 0 else { return nil }
        return ends[Int(tag) - 1]
    }
}

/// Counters a stream thread publishes for progress reports.
final class ThreadMetrics: Sendable {
    let processed = Atomic<Int>(0)
    let restored = Atomic<Int>(0)
    let commits = Atomic<Int>(0)
    let tasks = Atomic<Int>(0)
    /// Records handed to the error handler (dead-lettered, skipped, or failing the thread).
    let failed = Atomic<Int>(0)
    /// Assignment changes that moved partitions (assigned, revoked or lost; the cooperative
    /// protocol's empty rounds are not counted) this thread's consumer has seen.
    let rebalances = Atomic<Int>(0)
    let lag = Mutex<[KafkaTopicPartition: Int64]>([:])
}
