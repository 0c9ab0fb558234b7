import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// Offsets sent with `send_offsets_to_transaction` become the group's committed offsets when,
    /// and only when, their transaction commits (consume → transform → produce).
    @Suite struct TransactionalOffsetTests {
        @Test func offsetsCommitWithTheTransactionAndNotOnAbort() throws {
            let broker = try EmbeddedBroker()
            let input = uniqueName("input")
            let output = uniqueName("output")
            let group = uniqueName("group")
            try createTopic(broker, input)
            try createTopic(broker, output)

            let feeder = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrapServers])
            for value in values("word", 5) {
                try feeder.send(KafkaProducerRecord(topic: input, partition: 0, key: nil, value: value))
            }
            try feeder.flush(timeout: .seconds(30))

            let consumer = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            defer { consumer.close() }
            try consumer.assign([KafkaTopicPartitionOffset(topic: input, partition: 0, offset: KafkaOffset.beginning)])
            let words = try readUntilPosition(consumer, topic: input, position: 5)
            #expect(words == values("word", 5))

            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            func process(_ batch: ArraySlice<String>, upTo next: Int64) throws {
                try producer.beginTransaction()
                try sendAll(producer, topic: output, batch.map { $0.uppercased() })
                try producer.sendOffsetsToTransaction(
                    [KafkaTopicPartitionOffset(topic: input, partition: 0, offset: next)],
                    groupMetadata: consumer.groupMetadata(), timeout: .seconds(30))
            }

            #expect(try broker.committedOffset(group: group, topic: input, partition: 0) == nil)

            try process(words[0..<2], upTo: 2)
            try producer.commitTransaction(timeout: .seconds(30))
            #expect(try broker.committedOffset(group: group, topic: input, partition: 0) == 2)

            try process(words[2..<5], upTo: 5)
            try producer.abortTransaction(timeout: .seconds(30))
            #expect(try broker.committedOffset(group: group, topic: input, partition: 0) == 2)

            try process(words[2..<5], upTo: 5)
            try producer.commitTransaction(timeout: .seconds(30))
            #expect(try broker.committedOffset(group: group, topic: input, partition: 0) == 5)
            let seenByClient = try consumer.committed(
                [KafkaTopicPartition(topic: input, partition: 0)], timeout: .seconds(10))
            #expect(seenByClient == [KafkaTopicPartitionOffset(topic: input, partition: 0, offset: 5)])

            // Output: 0-1 + COMMIT (2), 3-5 aborted + ABORT (6), 7-9 + COMMIT (10).
            let transformed = try readUntilPosition(broker, topic: output, isolation: "read_committed", position: 11)
            #expect(transformed == values("word", 5).map { $0.uppercased() })
        }
    }
}
