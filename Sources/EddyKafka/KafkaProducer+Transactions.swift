import CRdKafka

/// The transactional API (KIP-98 / KIP-447), for `exactly_once_v2` processing.
///
/// Every failure is a ``KafkaError/transaction(_:)`` whose ``KafkaTransactionError/kind`` says
/// what to do, exactly as librdkafka classifies it: `retriable` calls are retried here until
/// their deadline; `abortable` ones require ``abortTransaction(timeout:)``; `fatal` ones (a
/// fenced zombie) require closing the producer. All of these calls block: run them on a
/// dedicated thread.
extension KafkaProducer {
    /// Registers `transactional.id` with the coordinator, fencing any older producer that used it
    /// and aborting that producer's open transaction. Call once, before the first transaction.
    public func initTransactions(timeout: Duration) throws(KafkaError) {
        try retrying("init_transactions", timeout: timeout) { ms in rd_kafka_init_transactions(client.handle, ms) }
    }

    /// Starts a transaction; everything produced until commit or abort belongs to it.
    public func beginTransaction() throws(KafkaError) {
        if let error = rd_kafka_begin_transaction(client.handle) {
            throw Self.transactionError(error, "begin_transaction")
        }
    }

    /// Adds consumed positions to the current transaction, so that they become the group's
    /// committed offsets if and only if the transaction commits.
    ///
    /// - Parameters:
    ///   - offsets: the next offset to consume, per partition.
    ///   - groupMetadata: ``KafkaConsumer/groupMetadata()`` of the consumer that read the
    ///     inputs, so that the coordinator can fence a consumer from an older generation.
    public func sendOffsetsToTransaction(
        _ offsets: [KafkaTopicPartitionOffset], groupMetadata: KafkaConsumerGroupMetadata, timeout: Duration
    ) throws(KafkaError) {
        let list = TopicPartitionList(offsets)
        try retrying("send_offsets_to_transaction", timeout: timeout) { ms in
            list.withNative { native in
                withExtendedLifetime(groupMetadata) {
                    rd_kafka_send_offsets_to_transaction(client.handle, native, groupMetadata.pointer, ms)
                }
            }
        }
    }

    /// Flushes outstanding records and commits the current transaction.
    public func commitTransaction(timeout: Duration) throws(KafkaError) {
        try retrying("commit_transaction", timeout: timeout) { ms in rd_kafka_commit_transaction(client.handle, ms) }
    }

    /// Aborts the current transaction: its records are marked aborted and its offsets dropped.
    public func abortTransaction(timeout: Duration) throws(KafkaError) {
        try retrying("abort_transaction", timeout: timeout) { ms in rd_kafka_abort_transaction(client.handle, ms) }
    }

    // MARK: - Private

    /// Calls a transactional function, retrying it while librdkafka says it is retriable and
    /// the deadline allows, as librdkafka's documentation prescribes.
    private func retrying(
        _ operation: String, timeout: Duration, _ call: (Int32) -> OpaquePointer?
    ) throws(KafkaError) {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while true {
            let remaining = max(deadline - ContinuousClock.now, .milliseconds(1))
            guard let error = call(remaining.milliseconds) else { return }
            let failure = Self.transactionError(error, operation)
            guard case .transaction(let txn) = failure, txn.kind == .retriable,
                ContinuousClock.now < deadline
            else { throw failure }
            client.context.logger.info("\(operation) will be retried: \(txn.reason)")
        }
    }

    /// Consumes a `rd_kafka_error_t` and classifies it as librdkafka does.
    static func transactionError(_ error: OpaquePointer, _ operation: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        let kind: KafkaTransactionErrorKind =
            rd_kafka_error_is_fatal(error) != 0
            ? .fatal
            : rd_kafka_error_txn_requires_abort(error) != 0
                ? .abortable
                : rd_kafka_error_is_retriable(error) != 0 ? .retriable : .abortable
        return .transaction(
            KafkaTransactionError(
                operation: operation, kind: kind, code: KafkaErrorCode(rd_kafka_error_code(error)),
                reason: String(cString: rd_kafka_error_string(error))))
    }
}
