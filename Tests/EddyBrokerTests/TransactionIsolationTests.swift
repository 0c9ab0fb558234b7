import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// `read_committed` readers see committed transactions only, and stop at the last stable
    /// offset while a transaction is open; `read_uncommitted` readers see everything. Control
    /// records (the COMMIT/ABORT markers) never surface as records.
    @Suite struct TransactionIsolationTests {
        @Test func abortedRecordsAreHiddenFromReadCommitted() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("isolation")
            try createTopic(broker, topic)
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))

            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("aborted", 10))
            try producer.abortTransaction(timeout: .seconds(30))
            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("committed", 7))
            try producer.commitTransaction(timeout: .seconds(30))

            // Offsets 0-9 aborted, 10 ABORT marker, 11-17 committed, 18 COMMIT marker.
            let committed = try readUntilPosition(broker, topic: topic, isolation: "read_committed", position: 19)
            #expect(committed == values("committed", 7))
            let uncommitted = try readUntilPosition(broker, topic: topic, isolation: "read_uncommitted", position: 19)
            #expect(uncommitted == values("aborted", 10) + values("committed", 7))
        }

        @Test func openTransactionHoldsReadCommittedAtTheLastStableOffset() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("lso")
            try createTopic(broker, topic)
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))

            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("before", 3))
            try producer.commitTransaction(timeout: .seconds(30))
            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("open", 4))

            // Offsets 0-2 committed, 3 COMMIT marker, 4-7 in the open transaction: LSO = 4.
            let reader = try KafkaConsumer(configuration: consumerConfig(broker, isolation: "read_committed"))
            defer { reader.close() }
            try reader.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
            #expect(try readUntilPosition(reader, topic: topic, position: 4) == values("before", 3))
            #expect(try pollFor(reader, .seconds(1)) == [])
            #expect(try reader.position([KafkaTopicPartition(topic: topic, partition: 0)]).first?.offset == 4)

            let uncommitted = try readUntilPosition(broker, topic: topic, isolation: "read_uncommitted", position: 8)
            #expect(uncommitted == values("before", 3) + values("open", 4))

            try producer.commitTransaction(timeout: .seconds(30))
            #expect(try readUntilPosition(reader, topic: topic, position: 9) == values("open", 4))
        }
    }
}
