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
    /// Tasks whose stores are open and whose source partitions are paused while the
    /// changelog reader restores them; they become `tasks` when restored.
    private var restoring: [TaskId: [TaskStore]] = [:]
    /// The thread's restore consumer, kept across sessions.
    private let changelogReader: ChangelogReader
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
        index: Int, config: AppConfig, instanceId: String, topology: Topology, plugins: PluginSet, kafka: KafkaConfiguration, clock: WallClock,
        stateDirectory: StateDirectory, restoreHold: RestoreHold? = nil, logger: Logger
    ) {
        self.clock = clock
        self.stateDirectory = stateDirectory
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
        self.changelogReader = ChangelogReader(configuration: kafka, hold: restoreHold, logger: logger)
    }

    /// The `transactional.id` of this thread: stable across restarts of the same worker, so
    /// that a restarted worker fences its own zombie at once. Also its consumer's
    /// `group.instance.id` under static membership.
    var transactionalId: String { "\(config.applicationId)-\(instanceId)-\(index)" }

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
        defer { changelogReader.close() }
        while !stopRequested.load(ordering: .relaxed) {
            do {
                try runSession()
                return
            } catch let error as KafkaError {
                if case .transaction(let txn) = error, txn.kind == .fatal {
                    let cause = txn.isFenced
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
        if config.staticMembership { consumerConfig["group.instance.id"] = transactionalId }
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
            // While anything restores, the main poll does not wait: the restore slice does.
            try pollAndProcess(timeout: changelogReader.isRestoring ? .zero : .milliseconds(50))
            if changelogReader.isRestoring { try restoreSlice() }
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

    private func pollAndProcess(timeout: Duration) throws {
        var pendingError: (any Error)?
        var rewinds: [KafkaTopicPartitionOffset] = []
        let count = try consumer.poll(maxRecords: 1000, timeout: timeout) { record in
            guard pendingError == nil else { return }
            do {
                if let last = lastInput, last.topic == record.topicHandle, last.partition == record.partition {
                    try last.task.process(record, input: last.input)
                    return
                }
                let (topic, sub) = route(record.topicHandle)
                guard let sub, let task = tasks[TaskId(subTopology: sub, partition: record.partition)] else {
                    if let rewind = unownedRecord(topic, sub, record.partition, record.offset) { rewinds.append(rewind) }
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
        if !rewinds.isEmpty { try rewind(rewinds) }
        if let pendingError {
            failing = true
            throw pendingError
        }
    }

    /// A record of a partition this thread runs no task for. A restoring task's partitions
    /// are paused before their first fetch, so none should come; if one does, it is not
    /// dropped: the caller seeks its partition back to it.
    private func unownedRecord(_ topic: String, _ sub: Int?, _ partition: Int32, _ offset: Int64) -> KafkaTopicPartitionOffset? {
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
        logger.warning("records of restoring tasks were fetched; seeking back to \(first.values.map { "\($0.topicPartition)@\($0.offset)" })")
        try consumer.pause(Array(first.keys))
        try consumer.seek(Array(first.values))
    }

    // MARK: - Restoration

    /// Restores one bounded slice of changelog records and starts the tasks it completed.
    private func restoreSlice() throws {
        let completed = try changelogReader.restoreSlice(maxRecords: 10_000, timeout: tasks.isEmpty ? .milliseconds(50) : .milliseconds(5))
        for (id, restored) in completed { try activate(id, restored: restored) }
        publishRestoreProgress()
    }

    /// Turns a restored task into a running one and resumes its source partitions.
    private func activate(_ id: TaskId, restored: Int) throws {
        guard let stores = restoring.removeValue(forKey: id) else { return }
        tasks[id] = try makeTask(id, stores: stores)
        let partitions = try consumer.assignment().filter { taskId($0) == id }
        if !partitions.isEmpty {
            // Nothing of these partitions was processed since their committed offsets.
            let known = try consumer.committed(partitions, timeout: .seconds(30)).filter { $0.offset >= 0 }
            let unknown = partitions.filter { tp in !known.contains { $0.topicPartition == tp } }
            if !unknown.isEmpty { try consumer.resume(unknown) }
            if !known.isEmpty { try consumer.resume(at: known) }
        }
        metrics.tasks.store(tasks.count, ordering: .relaxed)
        logger.info("task \(id) created (\(restored) changelog records restored)")
    }

    private func publishRestoreProgress() {
        let progress = changelogReader.progress
        metrics.restoringTasks.store(progress.tasks, ordering: .relaxed)
        metrics.restoreDone.store(Int(progress.restored), ordering: .relaxed)
        metrics.restoreTotal.store(Int(progress.total), ordering: .relaxed)
        metrics.restored.store(changelogReader.restoredRecords, ordering: .relaxed)
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
        // The interval runs from commit start to commit start, as Kafka Streams' does, so a
        // slow commit does not stretch the time records wait for the next one.
        let started = ContinuousClock.now
        defer { lastCommit = started }
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
                for id in Set(partitions.compactMap(taskId)).sorted() where !isOpen(id) {
                    try openTask(id)
                }
                consumer.pauseOnceAssigned(partitions.filter(isRestoring))
            case .revoked(let partitions):
                let affected = Set(partitions.compactMap(taskId)).filter(isOpen)
                guard !affected.isEmpty else { return }
                if !failing && affected.contains(where: { tasks[$0] != nil }) { try commitOrRecover() }
                for id in affected { closeTask(id) }
            case .lost(let partitions):
                let affected = Set(partitions.compactMap(taskId)).filter(isOpen)
                if config.isExactlyOnce, collector.inTransaction {
                    try? producer.abortTransaction(timeout: .seconds(30))
                    collector.transactionEnded()
                }
                for id in affected { closeTask(id) }
            }
            metrics.tasks.store(tasks.count, ordering: .relaxed)
            publishRestoreProgress()
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

    /// Every open task, running or restoring, in id order.
    private var openTaskIds: [TaskId] { (Array(tasks.keys) + Array(restoring.keys)).sorted() }

    private func isOpen(_ id: TaskId) -> Bool { tasks[id] != nil || restoring[id] != nil }

    /// Whether `tp` is a source partition of a task still restoring (kept paused meanwhile).
    private func isRestoring(_ tp: KafkaTopicPartition) -> Bool { taskId(tp).map { restoring[$0] != nil } ?? false }

    /// Opens a newly assigned task: locks its state directory and opens its stores. A task
    /// with changelog records to replay is registered with the changelog reader and waits in
    /// `restoring` (its partitions paused) while the thread goes on; one without starts at once.
    private func openTask(_ id: TaskId) throws {
        let sub = topology.subTopologies[id.subTopology]
        let directory = try stateDirectory.lockTask(id.description, waitingUpTo: .milliseconds(500))
        do {
            let stores = try StoreLayout.stores(of: sub, config: config, plugins: plugins).map { spec in
                try TaskStore.open(spec, in: directory, partition: id.partition, applicationId: config.applicationId, cacheBudget: cacheBudget)
            }
            if try changelogReader.register(id, stores: stores) {
                restoring[id] = stores
                logger.info("task \(id) restoring its stores from their changelogs")
            } else {
                tasks[id] = try makeTask(id, stores: stores)
                logger.info("task \(id) created (0 changelog records restored)")
            }
            taskDirectories[id] = directory
        } catch {
            directory.unlock()
            throw error
        }
    }

    private func makeTask(_ id: TaskId, stores: [TaskStore]) throws -> StreamTask {
        try StreamTask(
            id: id, subTopology: topology.subTopologies[id.subTopology], config: config, plugins: pluginsInUse, stores: stores,
            collector: collector, clock: clock, metrics: metrics, logger: logger)
    }

    /// Closes a task: its processors, then its stores. Uncommitted store writes are dropped
    /// (after a clean commit there are none), so the disk keeps its last checkpointed state.
    /// A task still restoring first writes what it has restored, with its checkpoint.
    private func closeTask(_ id: TaskId) {
        if let stores = restoring.removeValue(forKey: id) {
            do {
                try changelogReader.abandon(id)
            } catch {
                logger.error("task \(id): writing what it restored failed, its stores keep their previous checkpoint: \(error)")
            }
            for store in stores { store.close() }
            taskDirectories.removeValue(forKey: id)?.unlock()
            logger.info("task \(id) closed while restoring")
            return
        }
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
        for id in openTaskIds { closeTask(id) }
        metrics.tasks.store(0, ordering: .relaxed)
        publishRestoreProgress()
    }

    /// After an aborted transaction: drop every task's state and uncommitted progress, seek
    /// back to the committed offsets and reopen the tasks, restoring their changelog tails in
    /// the background as after an assignment. Restoring tasks' partitions are paused before
    /// the seek, so they resume from the committed offsets.
    private func rewindAllTasks() throws {
        let ids = openTaskIds
        let partitions = tasks.values.flatMap { $0.positions.keys }
        closeAllTasks()
        let assigned = try consumer.assignment()
        let committedOffsets = try consumer.committed(assigned, timeout: .seconds(30))
        for tp in partitions { committed[tp] = nil }
        for id in ids { try openTask(id) }
        let paused = assigned.filter(isRestoring)
        if !paused.isEmpty { try consumer.pause(paused) }
        try consumer.seek(committedOffsets.map {
            KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: $0.offset >= 0 ? $0.offset : KafkaOffset.beginning)
        })
        metrics.tasks.store(tasks.count, ordering: .relaxed)
        publishRestoreProgress()
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
    /// Tasks restoring their stores, and the changelog offsets they have read of the total.
    let restoringTasks = Atomic<Int>(0)
    let restoreDone = Atomic<Int>(0)
    let restoreTotal = Atomic<Int>(0)
    /// Records handed to the error handler (dead-lettered, skipped, or failing the thread).
    let failed = Atomic<Int>(0)
    /// Assignment changes that moved partitions (assigned, revoked or lost; the cooperative
    /// protocol's empty rounds are not counted) this thread's consumer has seen.
    let rebalances = Atomic<Int>(0)
    let lag = Mutex<[KafkaTopicPartition: Int64]>([:])
}
