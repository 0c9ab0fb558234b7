import EddyKafka
import Logging

/// Writes a stream thread's outputs, changelog updates and dead letters through its producer.
///
/// Under exactly-once it opens the thread's transaction lazily, before the first write after a
/// commit, so that an idle thread commits nothing. Under at-least-once it remembers the first
/// delivery failure, which fails the next commit (nothing is acknowledged as processed unless
/// its outputs were written).
final class RecordCollector {
    let producer: KafkaProducer
    let transactional: Bool
    private(set) var inTransaction = false
    let deliveryFailure: KafkaDeliveryFailures
    /// `default.production.exception.handler`: `continue` skips records refused as too large.
    var productionHandler: OperationsConfig.ProductionExceptionHandler = .fail
    /// Records skipped under `continue`, and where the last one was going.
    private(set) var skippedTooLarge = 0
    var logger: Logger?

    init(producer: KafkaProducer, transactional: Bool, deliveryFailure: KafkaDeliveryFailures) {
        self.producer = producer
        self.transactional = transactional
        self.deliveryFailure = deliveryFailure
    }

    /// Writes one record (bytes borrowed for the call); a non-zero `tag` comes back in its
    /// delivery report.
    func send(
        to topic: KafkaProducerTopic, partition: Int32?, key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?,
        headers: [KafkaHeader], timestamp: Int64, tag: UInt = 0
    ) throws {
        try beginIfNeeded()
        do {
            try producer.send(
                to: topic, partition: partition, key: key, value: value, headers: headers,
                timestamp: timestamp >= 0 ? timestamp : nil, tag: tag)
        } catch {
            guard case .delivery(let name, _, let code, let reason) = error, code == .msgSizeTooLarge else {
                throw error
            }
            let size = (key?.count ?? 0) + (value?.count ?? 0)
            guard productionHandler == .continue else {
                throw ProductionRefused(topic: name, bytes: size, reason: reason)
            }
            skippedTooLarge += 1
            logger?.warning(
                "skipped a record of \(size) bytes for \(name): \(reason) (default.production.exception.handler: continue; \(skippedTooLarge) skipped)"
            )
        }
    }

    /// The producer's handle of `topic`, resolved once by the caller.
    func topic(named topic: String) throws -> KafkaProducerTopic { try producer.topic(named: topic) }

    /// Starts the thread's transaction if one is not open (exactly-once only).
    func beginIfNeeded() throws {
        guard transactional, !inTransaction else { return }
        try producer.beginTransaction()
        inTransaction = true
    }

    /// Marks the transaction finished (committed or aborted).
    func transactionEnded() { inTransaction = false }
}

/// The producer refused a record as too large under `default.production.exception.handler: fail`.
struct ProductionRefused: Error, CustomStringConvertible {
    let topic: String
    let bytes: Int
    let reason: String

    var description: String {
        "the producer refused a record of \(bytes) bytes for \(topic): \(reason) — raise the producer's message.max.bytes "
            + "(kafka: section) and the topic's max.message.bytes, or set `default.production.exception.handler: continue` to skip such records"
    }
}
