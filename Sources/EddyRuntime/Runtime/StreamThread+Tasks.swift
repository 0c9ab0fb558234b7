import EddyEngine
import EddyKafka
import EddyState

// Tasks on the stream thread: opened and closed as the group assigns partitions, restored from
// their changelogs before they run, rewound after an aborted transaction.
extension StreamThread {
    /// Restores one bounded slice of changelog records and starts the tasks it completed.
    func restoreSlice() throws {
        let completed = try changelogReader.restoreSlice(
            maxRecords: 10_000, timeout: tasks.isEmpty ? .milliseconds(50) : .milliseconds(5))
        for (id, restored) in completed { try activate(id, restored: restored) }
        publishRestoreProgress()
    }

    /// Turns a restored task into a running one and resumes its source partitions.
    func activate(_ id: TaskId, restored: Int) throws {
        guard let stores = restoring.removeValue(forKey: id) else { return }
        tasks[id] = try makeTask(id, stores: stores)
        let partitions = try consumer.assignment().filter { taskId($0) == id }
        if !partitions.isEmpty {
            // Nothing of these partitions was processed since their committed offsets.
            let known = try consumer.committed(partitions, timeout: committedOffsetsTimeout).filter { $0.offset >= 0 }
            let unknown = partitions.filter { tp in !known.contains { $0.topicPartition == tp } }
            if !unknown.isEmpty { try consumer.resume(unknown) }
            if !known.isEmpty { try consumer.resume(at: known) }
        }
        metrics.tasks.store(tasks.count, ordering: .relaxed)
        logger.info("task \(id) created (\(restored) changelog records restored)")
    }

    /// How long a stream thread waits for its partitions' committed offsets. Under exactly-once
    /// they are read as stable only (KIP-447): while a previous owner's transaction holds
    /// offsets it never committed, the group answers "unstable" until the transaction coordinator
    /// aborts that transaction, which it does once `transaction.timeout.ms` has passed; so the
    /// wait outlasts that timeout instead of failing the thread first.
    var committedOffsetsTimeout: Duration {
        let fallback = Duration.seconds(30)
        guard config.isExactlyOnce else { return fallback }
        return max(fallback, .milliseconds(config.transactionTimeoutMs) + .seconds(10))
    }

    func publishRestoreProgress() {
        let progress = changelogReader.progress
        metrics.restoringTasks.store(progress.tasks, ordering: .relaxed)
        metrics.restoreDone.store(Int(progress.restored), ordering: .relaxed)
        metrics.restoreTotal.store(Int(progress.total), ordering: .relaxed)
        metrics.restored.store(changelogReader.restoredRecords, ordering: .relaxed)
    }

    // MARK: - Tasks

    /// The rebalance listener, on this thread inside `poll`.
    func rebalance(_ event: KafkaRebalanceEvent) {
        metrics.rebalanceEvents.add(1, ordering: .relaxed)
        if !event.partitions.isEmpty {
            metrics.rebalances.add(1, ordering: .relaxed)
            logger.info("stream thread \(index) rebalance: \(event)")
        }
        do {
            switch event {
            case .assigned(let partitions):
                assigned.formUnion(partitions)
                for id in Set(partitions.compactMap(taskId)).sorted() where !isOpen(id) {
                    try openTask(id)
                }
                consumer.pauseOnceAssigned(partitions.filter(isRestoring))
            case .revoked(let partitions):
                let affected = Set(partitions.compactMap(taskId)).filter(isOpen)
                assigned.subtract(partitions)
                guard !affected.isEmpty else { return }
                if !failing && affected.contains(where: { tasks[$0] != nil }) { try commitOrRecover() }
                for id in affected { closeTask(id) }
            case .lost(let partitions):
                assigned.subtract(partitions)
                let affected = Set(partitions.compactMap(taskId)).filter(isOpen)
                if config.isExactlyOnce, collector.inTransaction {
                    try? producer.abortTransaction(timeout: .seconds(30))
                    collector.transactionEnded()
                }
                for id in affected { closeTask(id) }
            }
            metrics.tasks.store(tasks.count, ordering: .relaxed)
            publishRestoreProgress()
        } catch let migrated as TasksMigrated {
            // A revocation's commit was refused: the tasks are gone; the consumer rejoins.
            logger.warning("\(migrated)")
            closeAllTasks()
        } catch {
            logger.error("rebalance (\(event)) failed: \(error)")
            failing = true
            failure.withLock { $0 = $0 ?? error }
            requestStop()
        }
    }

    func taskId(_ tp: KafkaTopicPartition) -> TaskId? {
        topology.subTopology(readingTopic: tp.topic).map { TaskId(subTopology: $0.id, partition: tp.partition) }
    }

    /// Every open task, running or restoring, in id order.
    var openTaskIds: [TaskId] { (Array(tasks.keys) + Array(restoring.keys)).sorted() }

    func isOpen(_ id: TaskId) -> Bool { tasks[id] != nil || restoring[id] != nil }

    /// Whether `tp` is a source partition of a task still restoring (kept paused meanwhile).
    func isRestoring(_ tp: KafkaTopicPartition) -> Bool { taskId(tp).map { restoring[$0] != nil } ?? false }

    /// Opens a newly assigned task: locks its state directory and opens its stores. A task
    /// with changelog records to replay is registered with the changelog reader and waits in
    /// `restoring` (its partitions paused) while the thread goes on; one without starts at once.
    func openTask(_ id: TaskId) throws {
        let sub = topology.subTopologies[id.subTopology]
        let directory = try stateDirectory.lockTask(id.description, waitingUpTo: .milliseconds(500))
        do {
            let stores = try StoreLayout.stores(
                of: sub, config: config, plugins: plugins, sourceChangelogs: topology.sourceChangelogs
            ).map { spec in
                let store = try TaskStore.open(
                    spec, in: directory, partition: id.partition, applicationId: config.applicationId,
                    cacheBudget: cacheBudget)
                if config.operations.recordingLevel == .debug { store.operationMetrics = StoreOperationMetrics() }
                return store
            }
            if try changelogReader.register(id, stores: stores, sourceOffsets: committedSourceOffsets(of: stores)) {
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

    /// The group's committed offsets of the source partitions that are changelogs of `stores`
    /// (source-topic stores restore up to them); empty when there are none.
    func committedSourceOffsets(of stores: [TaskStore]) throws -> [KafkaTopicPartition: Int64] {
        let partitions = stores.filter { !$0.writesChangelog }.compactMap { store in
            store.changelog.map { KafkaTopicPartition(topic: $0.topic, partition: $0.partition) }
        }
        guard !partitions.isEmpty else { return [:] }
        let committed = try consumer.committed(partitions, timeout: committedOffsetsTimeout).filter { $0.offset >= 0 }
        return Dictionary(committed.map { ($0.topicPartition, $0.offset) }) { $1 }
    }

    func makeTask(_ id: TaskId, stores: [TaskStore]) throws -> StreamTask {
        let task = try StreamTask(
            id: id, subTopology: topology.subTopologies[id.subTopology], config: config, plugins: pluginsInUse,
            stores: stores,
            collector: collector, clock: clock, metrics: metrics, logger: logger,
            globalStores: globalStores?.views(forTask: id.description) ?? [])
        try attachPartitionGroup(task)
        return task
    }

    /// Closes a task: its processors, then its stores. Uncommitted store writes are dropped
    /// (after a clean commit there are none), so the disk keeps its last checkpointed state.
    /// A task still restoring first writes what it has restored, with its checkpoint.
    func closeTask(_ id: TaskId) {
        if let stores = restoring.removeValue(forKey: id) {
            do {
                try changelogReader.abandon(id)
            } catch {
                logger.error(
                    "task \(id): writing what it restored failed, its stores keep their previous checkpoint: \(error)")
            }
            for store in stores { store.close() }
            taskDirectories.removeValue(forKey: id)?.unlock()
            logger.info("task \(id) closed while restoring")
            return
        }
        guard let task = tasks.removeValue(forKey: id) else { return }
        releasePartitionGroup(of: task)
        task.close()
        for store in task.stores {
            store.close()
        }
        taskDirectories.removeValue(forKey: id)?.unlock()
        for tp in task.positions.keys { committed[tp] = nil }
        logger.info("task \(id) closed")
    }

    func closeAllTasks() {
        for id in openTaskIds { closeTask(id) }
        metrics.tasks.store(0, ordering: .relaxed)
        publishRestoreProgress()
    }

    /// After an aborted transaction: drop every task's state and uncommitted progress, seek
    /// back to the committed offsets and reopen the tasks, restoring their changelog tails in
    /// the background as after an assignment. Restoring tasks' partitions are paused before
    /// the seek, so they resume from the committed offsets.
    func rewindAllTasks() throws {
        let ids = openTaskIds
        let partitions = tasks.values.flatMap { $0.positions.keys }
        closeAllTasks()
        let assigned = try consumer.assignment()
        let committedOffsets = try consumer.committed(assigned, timeout: committedOffsetsTimeout)
        for tp in partitions { committed[tp] = nil }
        for id in ids { try openTask(id) }
        let paused = assigned.filter(isRestoring)
        if !paused.isEmpty { try consumer.pause(paused) }
        try consumer.seek(
            committedOffsets.map {
                KafkaTopicPartitionOffset(
                    topic: $0.topic, partition: $0.partition, offset: $0.offset >= 0 ? $0.offset : KafkaOffset.beginning
                )
            })
        metrics.tasks.store(tasks.count, ordering: .relaxed)
        publishRestoreProgress()
    }

    /// Ends a failed session: abort what is open, close tasks without committing, leave.
    func closeSessionDirty() {
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
