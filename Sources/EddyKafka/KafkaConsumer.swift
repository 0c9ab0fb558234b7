import CRdKafka
import Logging
import Synchronization

/// A Kafka consumer in a consumer group.
///
/// Rebalances are handled synchronously inside ``poll(maxRecords:timeout:_:)``: the listener
/// sees assigned / revoked / lost partitions before they are applied, for both the eager and
/// the cooperative-sticky protocol. Use one consumer from one thread at a time; the calls that
/// block (poll, commit, committed, close) belong on a dedicated thread, never on Swift's
/// cooperative pool.
public final class KafkaConsumer: @unchecked Sendable {
    let client: KafkaClient
    /// The consumer queue, read in batches by ``poll(maxRecords:timeout:_:)``.
    private let queue: OpaquePointer
    private var closed = false
    /// Whether this consumer subscribed (joins a group) with cooperative-sticky among its
    /// `partition.assignment.strategy` (see ``awaitFirstAssignmentIfJoining(timeout:)``).
    private var joinsCooperatively = false
    private let offersCooperativeSticky: Bool
    /// Records still to check before trusting ``HeaderlessLayout``; -1 once it failed a check.
    private var layoutChecksLeft = HeaderlessLayout.verifiedRecords
    private var endReached: Set<KafkaTopicPartition> = []
    /// Wakes the fetching broker threads while records are taken, on a librdkafka without
    /// `fetch.queue.backoff.ms` (see ``KafkaFetchQueueBackoff``); nil when not needed.
    private(set) var fetchWaker: KafkaFetchWaker?

    /// Called on the polling thread when a fetch reaches the end of a partition (its last
    /// stable offset under `read_committed`), with the partition's topic handle (as
    /// ``KafkaRecordView/topicHandle``) and number; needs `enable.partition.eof=true`. The end
    /// comes in order with the partition's records: every record before it was delivered.
    public var onPartitionEnd: ((_ topicHandle: OpaquePointer, _ partition: Int32) -> Void)?

    /// Creates a consumer.
    ///
    /// - Parameters:
    ///   - configuration: librdkafka properties (`group.id` is required to subscribe);
    ///     ``KafkaConfiguration/consumerDefaults`` fill what it leaves unset.
    ///   - logger: where librdkafka's log lines and client errors go.
    ///   - rebalanceListener: sees each assignment change on the polling thread.
    ///   - onStatistics: called with each `statistics.interval.ms` report, on the polling thread.
    public init(
        configuration: KafkaConfiguration,
        logger: Logger = Logger(label: "eddy.kafka.consumer"),
        rebalanceListener: KafkaRebalanceListener? = nil,
        onStatistics: ((KafkaStatistics) -> Void)? = nil
    ) throws(KafkaError) {
        // librdkafka 2.0.2 refuses even a manual assign() without a group.id; a private one
        // that is never joined or committed to keeps assign-only readers working.
        let groupDefault = ["group.id": "eddy-reader-\(UInt64.random(in: 0...UInt64.max))"]
        let configuration = configuration.withDefaults(KafkaConfiguration.consumerDefaults)
        let wakerPeriod = try KafkaFetchQueueBackoff.wakerPeriod(for: configuration)
        offersCooperativeSticky =
            configuration["partition.assignment.strategy"]?.contains(KafkaRebalanceProtocol.cooperativeStickyStrategy)
            ?? false
        client = try KafkaClient(
            type: RD_KAFKA_CONSUMER,
            configuration: configuration.withDefaults(groupDefault),
            logger: logger
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf, KafkaConsumer.rebalanceCallback)
        }
        client.context.onStatistics = onStatistics
        queue = rd_kafka_queue_get_consumer(client.handle)
        if let rebalanceListener {
            client.context.onRebalance = { [unowned self] event in rebalanceListener(self, event) }
        }
        rd_kafka_poll_set_consumer(client.handle)
        if let wakerPeriod { fetchWaker = KafkaFetchWaker(consumer: client.handle, period: wakerPeriod) }
    }

    deinit {
        client.context.onRebalance = nil
        close()
        rd_kafka_queue_destroy(queue)
    }

    /// The client's name as librdkafka reports it.
    public var name: String { client.name }

    // MARK: - Group membership and assignment

    /// Joins the group and subscribes to `topics` (a name starting with `^` is a regex).
    public func subscribe(topics: [String]) throws(KafkaError) {
        let list = TopicPartitionList(topics.map { KafkaTopicPartition(topic: $0, partition: -1) })
        try KafkaError.check(
            list.withNative { rd_kafka_subscribe(client.handle, $0) }, "subscribe to \(topics.joined(separator: ", "))")
        joinsCooperatively = offersCooperativeSticky
    }

    /// Reads exactly these partitions from these offsets, outside any group rebalancing.
    public func assign(_ offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        endReached.subtract(offsets.map(\.topicPartition))
        try KafkaError.check(TopicPartitionList(offsets).withNative { rd_kafka_assign(client.handle, $0) }, "assign")
    }

    /// The partitions currently assigned to this consumer, sorted.
    public func assignment() throws(KafkaError) -> [KafkaTopicPartition] {
        var list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?
        try KafkaError.check(rd_kafka_assignment(client.handle, &list), "assignment")
        guard let list else { return [] }
        return TopicPartitionList(taking: list).partitions.sorted()
    }

    /// The protocol the group is using; `.none` before the first assignment.
    public var rebalanceProtocol: KafkaRebalanceProtocol {
        rd_kafka_rebalance_protocol(client.handle).flatMap { KafkaRebalanceProtocol(rawValue: String(cString: $0)) }
            ?? .none
    }

    /// This member's group id, generation and member id, for transactional offset commits.
    public func groupMetadata() throws(KafkaError) -> KafkaConsumerGroupMetadata {
        guard let metadata = rd_kafka_consumer_group_metadata(client.handle) else {
            throw .client(operation: "consumer group metadata", reason: "this consumer has no group.id")
        }
        return KafkaConsumerGroupMetadata(taking: metadata)
    }

    /// The group metadata of the membership this consumer's assignment belongs to: as it was
    /// at the last assignment or revocation, falling back to ``groupMetadata()`` before the
    /// first one. Send this, not the live metadata, with a transaction's offsets (KIP-447).
    ///
    /// librdkafka's live metadata follows the group from librdkafka's own threads, before the
    /// polling thread has seen any rebalance: the member id is cleared when it learns its
    /// session expired or it left, the generation on `ILLEGAL_GENERATION`, and a rejoin brings
    /// a new member id and generation. Sent with the offsets of records processed under the
    /// old assignment (whose partitions may already be another member's), a renewed one passes
    /// the coordinator's check, and a fully reset one (generation -1, no member id) is not
    /// checked at all, as for a consumer outside any group. With the metadata of the last
    /// rebalance the caller saw, the coordinator refuses them (`UNKNOWN_MEMBER_ID`,
    /// `FENCED_INSTANCE_ID` or `ILLEGAL_GENERATION`).
    public func assignmentGroupMetadata() throws(KafkaError) -> KafkaConsumerGroupMetadata {
        if let captured = client.context.groupMetadataAtRebalance { return captured }
        return try groupMetadata()
    }

    // MARK: - Reading

    /// Waits up to `timeout` for the first record, then takes what is already fetched, up to
    /// `maxRecords`, calling `body` with each record borrowed (no copy). Rebalance listeners
    /// run inside this call. Returns the number of records visited.
    ///
    /// Records already fetched are taken in batches of up to ``pollBatchSize`` (one queue
    /// call per batch instead of one per record); only an empty queue waits.
    @discardableResult
    public func poll(
        maxRecords: Int, timeout: Duration, _ body: (borrowing KafkaRecordView) throws -> Void
    ) throws -> Int {
        try pollRuns(maxRecords: maxRecords, timeout: timeout) { run in
            for index in 0..<run.count { try body(run[index]) }
        }
    }

    /// Makes a poll waiting on another thread return now, without records (librdkafka's
    /// `rd_kafka_queue_yield`); a poll that starts later is not affected. Safe from any thread.
    public func wakeUp() {
        rd_kafka_queue_yield(queue)
    }

    /// Like ``poll(maxRecords:timeout:_:)``, but calls `body` once per run: consecutive
    /// records of one topic-partition as librdkafka delivered them, all borrowed (no copy)
    /// for the call. Returns the number of records visited.
    @discardableResult
    public func pollRuns(
        maxRecords: Int, timeout: Duration, _ body: (borrowing KafkaRecordRun) throws -> Void
    ) throws -> Int {
        try withUnsafeTemporaryAllocation(
            of: UnsafeMutablePointer<rd_kafka_message_t>?.self, capacity: Self.pollBatchSize
        ) { batch in
            var visited = 0
            var waited = timeout == .zero
            while visited < maxRecords {
                var count = rd_kafka_consume_batch_queue(
                    queue, 0, batch.baseAddress, min(batch.count, maxRecords - visited))
                if count <= 0 {
                    // Nothing fetched: wait (once) for the first record, serving callbacks.
                    guard !waited, let message = rd_kafka_consumer_poll(client.handle, timeout.milliseconds) else {
                        break
                    }
                    waited = true
                    batch[0] = message
                    count = 1
                }
                waited = true
                // A record moved into a ``KafkaRecordBuffer`` left a nil behind: the buffer owns it.
                defer { for index in 0..<count { if let message = batch[index] { rd_kafka_message_destroy(message) } } }
                var start = 0
                while start < count {
                    let first = batch[start]!
                    guard first.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
                        try handleMessageError(first)
                        start += 1
                        continue
                    }
                    var end = start + 1
                    var trusts = trustsHeaderlessLayout(first)
                    while end < count, let next = batch[end], next.pointee.err == RD_KAFKA_RESP_ERR_NO_ERROR,
                        next.pointee.rkt == first.pointee.rkt, next.pointee.partition == first.pointee.partition
                    {
                        trusts = trustsHeaderlessLayout(next) && trusts
                        end += 1
                    }
                    try body(
                        KafkaRecordRun(messages: batch.baseAddress! + start, count: end - start, trustsLayout: trusts))
                    visited += end - start
                    start = end
                }
            }
            if visited > 0 { fetchWaker?.taken.add(visited, ordering: .relaxed) }
            return visited
        }
    }

    /// The most records ``poll(maxRecords:timeout:_:)`` takes from librdkafka in one call.
    public static let pollBatchSize = 1_000

    /// Like ``poll(maxRecords:timeout:_:)`` but returns owned copies of the records.
    public func poll(maxRecords: Int, timeout: Duration) throws -> [KafkaConsumerRecord] {
        var records: [KafkaConsumerRecord] = []
        try poll(maxRecords: maxRecords, timeout: timeout) { records.append($0.toRecord()) }
        return records
    }

    /// Stops fetching these partitions (flow control) without giving them up.
    public func pause(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        let list = TopicPartitionList(partitions)
        try KafkaError.check(list.withNative { rd_kafka_pause_partitions(client.handle, $0) }, "pause")
        if let error = list.firstError("pause") { throw error }
    }

    /// From a rebalance listener looking at an assignment: pauses these newly assigned
    /// partitions right after the assignment is applied, inside the same callback, so not one
    /// of their records is fetched before the application resumes them (for example a task
    /// that must restore its state first). Pausing bumps the partition's fetch version, so
    /// records fetched earlier are dropped, never delivered; on resume, fetching starts at
    /// the committed offset or the offset after the last record delivered.
    public func pauseOnceAssigned(_ partitions: [KafkaTopicPartition]) {
        client.context.pauseAfterAssignment += partitions
    }

    /// Resumes fetching paused partitions.
    public func resume(_ partitions: [KafkaTopicPartition]) throws(KafkaError) {
        let list = TopicPartitionList(partitions)
        try KafkaError.check(list.withNative { rd_kafka_resume_partitions(client.handle, $0) }, "resume")
        if let error = list.firstError("resume") { throw error }
    }

    /// Resumes paused partitions and restarts their fetching at these offsets (for example
    /// their committed offsets) right away. librdkafka 2.0.2 applies a resume without waking
    /// the broker thread that fetches the partition, which may then idle up to a second
    /// before its next fetch; a seek wakes it. A partition whose fetcher has not started yet
    /// (its committed offset is still being looked up) is only resumed: starting wakes it.
    public func resume(at offsets: [KafkaTopicPartitionOffset]) throws(KafkaError) {
        try resume(offsets.map(\.topicPartition))
        let list = TopicPartitionList(offsets)
        if let error = list.withNative({ rd_kafka_seek_partitions(client.handle, $0, 10_000) }) {
            throw KafkaError.take(error, "seek after resume")
        }
        for (offset, code) in zip(offsets, list.errorCodes) where code != .noError && code != .state {
            throw .request(operation: "seek \(offset.topicPartition) after resume", code: code, reason: code.message)
        }
    }

    /// Moves the fetch position of assigned partitions (for example back to the committed
    /// offsets after an aborted transaction).
    public func seek(_ offsets: [KafkaTopicPartitionOffset], timeout: Duration = .seconds(10)) throws(KafkaError) {
        endReached.subtract(offsets.map(\.topicPartition))
        let list = TopicPartitionList(offsets)
        if let error = list.withNative({ rd_kafka_seek_partitions(client.handle, $0, timeout.milliseconds) }) {
            throw KafkaError.take(error, "seek")
        }
        if let error = list.firstError("seek") { throw error }
    }

    /// The next offset this consumer will read in each partition (``KafkaOffset/invalid`` when
    /// nothing has been read yet).
    public func position(_ partitions: [KafkaTopicPartition]) throws(KafkaError) -> [KafkaTopicPartitionOffset] {
        let list = TopicPartitionList(partitions)
        try KafkaError.check(list.withNative { rd_kafka_position(client.handle, $0) }, "position")
        return list.offsets
    }

    /// Whether the consumer has read to the end of `partition` since it was last assigned or
    /// sought (needs `enable.partition.eof=true`). Under `read_committed` the end is the last
    /// stable offset, past any trailing transaction markers.
    public func hasReachedEnd(_ partition: KafkaTopicPartition) -> Bool {
        endReached.contains(partition)
    }

    // MARK: - Committing

    /// The group's committed offsets for these partitions (blocks on the group coordinator).
    public func committed(_ partitions: [KafkaTopicPartition], timeout: Duration) throws(KafkaError)
        -> [KafkaTopicPartitionOffset]
    {
        let list = TopicPartitionList(partitions)
        let err = list.withNative { rd_kafka_committed(client.handle, $0, timeout.milliseconds) }
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT { throw client.explainTimeout("committed offsets") }
        try KafkaError.check(err, "committed offsets")
        if let error = list.firstError("committed offsets") { throw error }
        return list.offsets
    }

    /// Commits offsets (the next offset to read, per partition) to the group.
    ///
    /// - Parameters:
    ///   - offsets: what to commit; `nil` commits the current positions of every assigned partition.
    ///   - synchronously: wait for the coordinator's answer and throw on failure; when `false`
    ///     the commit is sent and failures are logged.
    public func commit(_ offsets: [KafkaTopicPartitionOffset]? = nil, synchronously: Bool = true) throws(KafkaError) {
        let async: Int32 = synchronously ? 0 : 1
        guard let offsets else {
            let err = rd_kafka_commit(client.handle, nil, async)
            if err == RD_KAFKA_RESP_ERR__NO_OFFSET { return }
            try KafkaError.check(err, "commit")
            return
        }
        let list = TopicPartitionList(offsets)
        try KafkaError.check(list.withNative { rd_kafka_commit(client.handle, $0, async) }, "commit")
        if synchronously, let error = list.firstError("commit") { throw error }
    }

    /// Leaves the group cleanly (revoking the assignment through the listener) and stops the
    /// consumer. Idempotent; also run on deinit.
    public func close() {
        guard !closed else { return }
        closed = true
        fetchWaker?.stop()
        fetchWaker = nil
        awaitFirstAssignmentIfJoining()
        let err = rd_kafka_consumer_close(client.handle)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            client.context.logger.warning("consumer close: \(KafkaErrorCode(err).message)")
        }
    }

    // MARK: - Private

    /// librdkafka 2.0.2 aborts the process when a consumer whose group chose cooperative-sticky
    /// is destroyed before its first assignment: the assignor's state is made only with that
    /// assignment, and its destructor asserts it exists (librdkafka #4312, fixed in 2.3.0).
    /// A member that subscribed offering cooperative-sticky therefore takes its first
    /// assignment (bounded by `timeout`) before it leaves — whether or not its JoinGroup
    /// response has been handled yet: asking the negotiated protocol instead left a window in
    /// which the response landed between the question and the close. The listener is not
    /// told, so the revocation that `close` then makes finds nothing of it open. Records
    /// polled meanwhile are dropped unprocessed, their offsets neither stored nor committed.
    private func awaitFirstAssignmentIfJoining(timeout: Duration = .seconds(30)) {
        guard !client.context.hasBeenAssigned, joinsCooperatively || rebalanceProtocol == .cooperative else { return }
        let listener = client.context.onRebalance
        client.context.onRebalance = nil
        defer { client.context.onRebalance = listener }
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !client.context.hasBeenAssigned, ContinuousClock.now < deadline {
            if let message = rd_kafka_consumer_poll(client.handle, 10) { rd_kafka_message_destroy(message) }
        }
    }

    /// Whether records may skip librdkafka's header parsing, checking the first records.
    private func trustsHeaderlessLayout(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> Bool {
        guard layoutChecksLeft != 0 else { return true }
        guard layoutChecksLeft > 0 else { return false }
        guard HeaderlessLayout.verify(message) else {
            layoutChecksLeft = -1
            client.context.logger.warning(
                "consumer: librdkafka's record layout is not the one expected; headers are parsed for every record")
            return false
        }
        layoutChecksLeft -= 1
        return false
    }

    private func handleMessageError(_ message: UnsafeMutablePointer<rd_kafka_message_t>) throws(KafkaError) {
        let code = KafkaErrorCode(message.pointee.err)
        if code == .partitionEOF {
            let m = message.pointee
            endReached.insert(
                KafkaTopicPartition(topic: String(cString: rd_kafka_topic_name(m.rkt)), partition: m.partition))
            onPartitionEnd?(m.rkt, m.partition)
            return
        }
        if let fatal = client.fatalError() { throw fatal }
        let reason = String(cString: rd_kafka_message_errstr(message))
        client.context.lastError.withLock { $0 = (code, reason) }
        client.context.logger.warning("consumer: \(reason)", metadata: ["code": "\(code.name)"])
    }

    /// librdkafka's rebalance callback: runs inside `rd_kafka_consumer_poll` on the polling
    /// thread. It shows the change to the listener first, then applies it, with the incremental
    /// calls under the cooperative protocol and a full (un)assign under the eager one.
    static let rebalanceCallback:
        @convention(c) (
            OpaquePointer?, rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>?,
            UnsafeMutableRawPointer?
        ) -> Void = { rk, err, list, opaque in
            guard let rk, let list, let context = KafkaCallbacks.context(opaque) else { return }
            let partitions = TopicPartitionList.partitions(of: list).sorted()
            let cooperative =
                rd_kafka_rebalance_protocol(rk).map { String(cString: $0) }
                == KafkaRebalanceProtocol.cooperative.rawValue
            let assigning = err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS
            if assigning { context.hasBeenAssigned = true }
            let event: KafkaRebalanceEvent =
                assigning
                ? .assigned(partitions) : rd_kafka_assignment_lost(rk) != 0 ? .lost(partitions) : .revoked(partitions)
            // A lost assignment comes with reset metadata: keep the last membership's.
            if case .lost = event {
            } else if let metadata = rd_kafka_consumer_group_metadata(rk) {
                context.groupMetadataAtRebalance = KafkaConsumerGroupMetadata(taking: metadata)
            }
            context.logger.info("rebalance: \(event)")
            context.onRebalance?(event)
            if cooperative {
                let error = assigning ? rd_kafka_incremental_assign(rk, list) : rd_kafka_incremental_unassign(rk, list)
                if let error { context.logger.error("\(KafkaError.take(error, "applying the rebalance"))") }
            } else {
                let err = rd_kafka_assign(rk, assigning ? list : nil)
                if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                    context.logger.error("applying the rebalance: \(KafkaErrorCode(err).message)")
                }
            }
            let pauses = context.pauseAfterAssignment
            context.pauseAfterAssignment = []
            guard !pauses.isEmpty else { return }
            let paused = TopicPartitionList(pauses)
            let err = paused.withNative { rd_kafka_pause_partitions(rk, $0) }
            if err != RD_KAFKA_RESP_ERR_NO_ERROR {
                context.logger.error("pausing \(pauses) after the assignment: \(KafkaErrorCode(err).message)")
            } else if let error = paused.firstError("pause after the assignment") {
                context.logger.error("\(error)")
            }
        }
}
