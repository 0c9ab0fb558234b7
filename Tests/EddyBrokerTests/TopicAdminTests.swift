import EddyKafka
import EddyTestSupport
import Foundation
import Testing

extension BrokerTests {
    /// CreateTopics with partition counts and configs, DescribeConfigs, and no silent retention.
    @Suite struct TopicAdminTests {
        @Test func createDescribeAndDeleteATopic() throws {
            let broker = try EmbeddedBroker()
            let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
            let topic = uniqueName("compacted")
            try admin.createTopics([KafkaNewTopic(name: topic, partitions: 12, configs: ["cleanup.policy": "compact"])])

            #expect(try admin.describeTopicConfigs(topic) == ["cleanup.policy": "compact"])
            let described = try admin.metadata(topic: topic).topics.first { $0.name == topic }
            #expect(described?.partitions.count == 12)

            let again = #expect(throws: KafkaError.self) {
                try admin.createTopics([KafkaNewTopic(name: topic, partitions: 1)])
            }
            guard case .request(_, let code, _)? = again else {
                Issue.record("expected TOPIC_ALREADY_EXISTS, got \(String(describing: again))")
                return
            }
            #expect(code == .topicAlreadyExists)

            try admin.deleteTopics([topic])
            #expect(throws: KafkaError.self) { try admin.describeTopicConfigs(topic) }
        }

        /// 2 million records of 116 bytes over 12 partitions: every one stays readable (the stock
        /// mock keeps only the newest 5 MiB per partition).
        @Test func twoMillionRecordsStayReadable() throws {
            let broker = try EmbeddedBroker()
            let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
            let topic = uniqueName("retention")
            let partitions: Int32 = 12
            let total = 2_000_000
            try admin.createTopics([
                KafkaNewTopic(name: topic, partitions: partitions, configs: ["cleanup.policy": "compact"])
            ])

            let producer = try KafkaProducer(configuration: [
                "bootstrap.servers": broker.bootstrapServers, "linger.ms": "20", "batch.size": "1000000",
            ])
            var value = [UInt8](repeating: UInt8(ascii: "x"), count: 116)
            let produceStart = ContinuousClock.now
            for i in 0..<total {
                withUnsafeBytes(of: UInt64(i).bigEndian) { value.replaceSubrange(0..<8, with: $0) }
                try value.withUnsafeBytes { bytes in
                    try producer.send(topic: topic, partition: Int32(i % Int(partitions)), key: nil, value: bytes)
                }
            }
            try producer.flush(timeout: .seconds(120))
            let produced = ContinuousClock.now - produceStart

            let consumer = try KafkaConsumer(configuration: consumerConfig(broker, isolation: "read_uncommitted"))
            defer { consumer.close() }
            try consumer.assign(
                (0..<partitions).map {
                    KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning)
                })
            var count = 0
            var indexSum: UInt64 = 0
            var badRecords = 0
            var nextOffset = [Int64](repeating: 0, count: Int(partitions))
            let consumeStart = ContinuousClock.now
            let deadline = consumeStart.advanced(by: .seconds(300))
            while count < total && ContinuousClock.now < deadline {
                try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100)) { record in
                    guard let bytes = record.value, bytes.count == 116 else {
                        badRecords += 1
                        return
                    }
                    let index = bytes.loadUnaligned(as: UInt64.self).bigEndian
                    let partition = Int(record.partition)
                    if record.offset != nextOffset[partition] || Int(index) % Int(partitions) != partition {
                        badRecords += 1
                    }
                    nextOffset[partition] = record.offset + 1
                    indexSum &+= index
                    count += 1
                }
            }
            let consumed = ContinuousClock.now - consumeStart
            print("eddy-broker: produced \(total) x 116 B in \(produced), consumed in \(consumed)")

            #expect(count == total)
            #expect(badRecords == 0)
            #expect(indexSum == UInt64(total) * UInt64(total - 1) / 2)
            let perPartition = (0..<Int(partitions)).map {
                Int64(total / Int(partitions) + ($0 < total % Int(partitions) ? 1 : 0))
            }
            #expect(nextOffset == perPartition)
        }
    }
}
