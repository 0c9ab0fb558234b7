import EddyKafka
import EddyState

// Commits on the stream thread: the transaction (exactly-once) or the flush and the offset
// commit (at-least-once), then the stores' checkpoints.
extension StreamThread {
    /// Commits; under exactly-once an abortable failure aborts the transaction and rewinds
    /// every task to its last committed state. When the group coordinator refused the offsets
    /// because this member is gone (KIP-447), it throws ``TasksMigrated`` after the abort: the
    /// tasks are another member's now.
    func commitOrRecover() throws {
        do {
            try commit()
        } catch KafkaError.transaction(let txn) where txn.kind == .abortable {
            try producer.abortTransaction(timeout: .seconds(60))
            collector.transactionEnded()
            if TasksMigrated.isMemberGone(txn.code) {
                throw TasksMigrated(thread: index, code: txn.code, reason: txn.reason)
            }
            logger.warning("transaction aborted, rewinding tasks to their committed offsets: \(txn)")
            try rewindAllTasks()
        }
    }

    func commit() throws {
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
                // The membership the tasks were assigned under, not librdkafka's live metadata,
                // which its own threads may already have cleared or renewed.
                FaultInjection.reach(.beforeOffsetsToTransaction)
                try producer.sendOffsetsToTransaction(
                    offsets, groupMetadata: consumer.assignmentGroupMetadata(), timeout: .seconds(60))
                FaultInjection.reach(.beforeCommitTransaction)
            }
            try timedCommitPart(metrics.commitWaitNanos) { try producer.commitTransaction(timeout: .seconds(60)) }
            collector.transactionEnded()
            try timedCommitPart(metrics.checkpointNanos) { try checkpointStores() }
        } else {
            guard
                !offsets.isEmpty || producer.inFlightCount > 0
                    || tasks.values.contains(where: { $0.stores.contains { $0.dirtyEntryCount > 0 } })
            else { return }
            try timedCommitPart(metrics.commitWaitNanos) { try producer.flush(timeout: .seconds(60)) }
            if let failure = collector.deliveryFailure.take() { throw failure }
            try timedCommitPart(metrics.checkpointNanos) { try checkpointStores() }
            if !offsets.isEmpty, try !commitOffsetsUnlessRebalancing(offsets) { return }
        }
        for offset in offsets { committed[offset.topicPartition] = offset.offset }
        metrics.commits.add(1, ordering: .relaxed)
    }

    /// After the changelog records are committed (exactly-once) or acknowledged
    /// (at-least-once): writes each store's cached updates to disk with the changelog offset
    /// after them, in one write batch, so the checkpoint never covers data the store lacks.
    func checkpointStores() throws {
        producer.poll()
        for task in tasks.values {
            for store in task.stores where store.dirtyEntryCount > 0 {
                FaultInjection.reach(.afterCommitBeforeCheckpoint)
                let end = store.changelog.flatMap { changelog in
                    // A source-topic store's checkpoint is the source offset committed with it.
                    store.writesChangelog
                        ? changelogEnds.end(of: changelog)
                        : task.positions[KafkaTopicPartition(topic: changelog.topic, partition: changelog.partition)]
                }
                try store.commit(changelogEnd: end)
            }
        }
    }

    /// The codes of a commit that raced a rebalance.
    static let rebalanceCodes: Set<KafkaErrorCode> = [.rebalanceInProgress, .illegalGeneration, .unknownMemberId]

    /// Commits consumer offsets (at-least-once); returns false when the group is rebalancing.
    /// The offsets then stay uncommitted, so records after the last commit may be processed
    /// again by their next owner — the at-least-once contract.
    func commitOffsetsUnlessRebalancing(_ offsets: [KafkaTopicPartitionOffset]) throws -> Bool {
        let outcome = Result<Void, KafkaError> { () throws(KafkaError) in try consumer.commit(offsets) }
        guard case .failure(let error) = outcome else { return true }
        guard case .request(_, let code, let reason) = error, Self.rebalanceCodes.contains(code) else { throw error }
        logger.warning("offsets not committed, the group is rebalancing: \(reason)")
        return false
    }
}
