import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// A task of several partitions waits for an empty partition until the consumer reports its
    /// end (`enable.partition.eof`), so the broker must never report an end (high watermark or,
    /// under `read_committed`, last stable offset equal to the fetch position) while records
    /// below it are still to be delivered — records already on the broker when the reader
    /// starts included, and with the reader's fetches of another, empty partition waiting at
    /// the broker (patch 0005).
    @Suite struct EndOfPartitionTests {
        static let count = 3000

        @Test(arguments: ["read_uncommitted", "read_committed"])
        func theEndComesAfterEveryRecordAlreadyThere(isolation: String) throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("eof")
            try createTopic(broker, topic, partitions: 2)
            // Partition 0: plain records, then a committed transaction; partition 1 stays empty.
            let plain = try KafkaProducer(configuration: ["bootstrap.servers": broker.bootstrapServers])
            for value in values("plain", Self.count) {
                try plain.send(KafkaProducerRecord(topic: topic, partition: 0, key: nil, value: value))
            }
            try plain.flush(timeout: .seconds(30))
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("committed", Self.count))
            try producer.commitTransaction(timeout: .seconds(30))
            let expected = values("plain", Self.count) + values("committed", Self.count)

            var config = consumerConfig(broker, isolation: isolation)
            config["enable.partition.eof"] = "true"
            config["fetch.wait.max.ms"] = "500"
            let reader = try KafkaConsumer(configuration: config)
            defer { reader.close() }
            try reader.assign(
                (0..<2).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
            let full = KafkaTopicPartition(topic: topic, partition: 0)
            let empty = KafkaTopicPartition(topic: topic, partition: 1)
            var seen: [String] = []
            let deadline = ContinuousClock.now.advanced(by: .seconds(30))
            while !(reader.hasReachedEnd(full) && reader.hasReachedEnd(empty)) {
                guard ContinuousClock.now < deadline else {
                    throw TestTimeout(description: "\(topic): no end of both partitions; read \(seen.count)")
                }
                // One record per poll: an end reported early shows as an end with records missing.
                seen += try reader.poll(maxRecords: 1, timeout: .milliseconds(50)).map { $0.valueString ?? "<null>" }
                if reader.hasReachedEnd(full) {
                    #expect(seen.count == expected.count, "end of partition 0 reported after \(seen.count) records")
                    if seen.count != expected.count { return }
                }
            }
            #expect(seen == expected)
            #expect(try pollFor(reader, .milliseconds(200)) == [])
        }
    }
}
