import EddyKafka
import EddyTestSupport
import Foundation
import Testing

extension BrokerTests {
    /// Zombie fencing (a second producer with the same `transactional.id`) and the transaction
    /// timeout that aborts the transaction of a producer that vanished.
    @Suite struct FencingTests {
        @Test func aNewInstanceFencesTheOldOne() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("fencing")
            let id = uniqueName("txn")
            try createTopic(broker, topic)

            let zombie = try transactionalProducer(broker, id: id)
            try zombie.beginTransaction()
            try sendAll(zombie, topic: topic, values("a-committed", 3))
            try zombie.commitTransaction(timeout: .seconds(30))
            try zombie.beginTransaction()
            try sendAll(zombie, topic: topic, values("a-open", 2))

            let successor = try transactionalProducer(broker, id: id)

            try zombie.send(KafkaProducerRecord(topic: topic, partition: 0, key: nil, value: "a-late"))
            let error = #expect(throws: KafkaError.self) { try zombie.commitTransaction(timeout: .seconds(30)) }
            guard case .transaction(let txn)? = error else {
                Issue.record("expected a transaction error, got \(String(describing: error))")
                return
            }
            #expect(txn.kind == .fatal)
            #expect(txn.isFenced)

            try successor.beginTransaction()
            try sendAll(successor, topic: topic, values("b", 2))
            try successor.commitTransaction(timeout: .seconds(30))

            // 0-2 A committed, 3 COMMIT, 4-5 A's open records, 6 ABORT (B's init), 7-8 B, 9 COMMIT.
            let seen = try readUntilPosition(broker, topic: topic, isolation: "read_committed", position: 10)
            #expect(seen == values("a-committed", 3) + values("b", 2))
        }

        @Test func theTransactionOfAKilledProducerIsAbortedAfterItsTimeout() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("vanished")
            try createTopic(broker, topic)
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("before", 2))
            try producer.commitTransaction(timeout: .seconds(30))

            // Offsets 0-1 committed, 2 COMMIT; the probe writes 3-5 and is killed mid-transaction.
            let probe = try TransactionProbe(
                broker: broker, topic: topic, transactionalID: uniqueName("probe"), count: 3, timeoutMs: 2000)
            let reader = try KafkaConsumer(configuration: consumerConfig(broker, isolation: "read_committed"))
            defer { reader.close() }
            try reader.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            #expect(try readUntilPosition(reader, topic: topic, position: 3) == values("before", 2))

            probe.kill()
            // The broker aborts it after transaction.timeout.ms: ABORT marker at 6.
            #expect(try readUntilPosition(reader, topic: topic, position: 7, timeout: .seconds(20)) == [])

            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("after", 2))
            try producer.commitTransaction(timeout: .seconds(30))
            #expect(try readUntilPosition(reader, topic: topic, position: 10) == values("after", 2))
        }
    }
}

/// `eddy-txn-probe`: a separate process that begins a transaction, produces, and waits to be
/// killed (it is built next to `eddy-broker` by broker/build.sh).
final class TransactionProbe {
    private let process = Process()

    init(broker: EmbeddedBroker, topic: String, transactionalID: String, count: Int, timeoutMs: Int) throws {
        let path = URL(fileURLWithPath: broker.executablePath).deletingLastPathComponent()
            .appendingPathComponent("eddy-txn-probe")
        process.executableURL = path
        process.arguments = [broker.bootstrapServers, topic, "0", transactionalID, "\(count)", "\(timeoutMs)"]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        var text = ""
        while !text.contains("\n") {
            let data = output.fileHandleForReading.availableData
            guard !data.isEmpty else { throw TestTimeout(description: "eddy-txn-probe exited before producing") }
            text += String(decoding: data, as: UTF8.self)
        }
        guard text == "produced \(count)\n" else { throw TestTimeout(description: "eddy-txn-probe said '\(text)'") }
    }

    /// SIGKILL: the producer vanishes without ending its transaction.
    func kill() {
        Foundation.kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    deinit {
        if process.isRunning { kill() }
    }
}
