import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// The control channel: brokers go down and come back, request errors are injected, and
    /// committed offsets are read from the broker itself.
    @Suite struct ControlChannelTests {
        @Test func clientsSeeABrokerGoDownAndRecoverWhenItComesBack() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("updown")
            try createTopic(broker, topic)
            let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
            #expect(try admin.metadata(topic: topic).topics.map(\.name) == [topic])

            try broker.setBrokerDown(1)
            #expect(throws: KafkaError.self) { try admin.metadata(topic: topic, timeout: .seconds(2)) }
            let producer = try KafkaProducer(configuration: [
                "bootstrap.servers": broker.bootstrapServers, "linger.ms": "0",
            ])
            try producer.send(KafkaProducerRecord(topic: topic, partition: 0, key: nil, value: "while-down"))
            #expect(throws: KafkaError.self) { try producer.flush(timeout: .milliseconds(1500)) }
            #expect(producer.inFlightCount == 1)

            try broker.setBrokerUp(1)
            try producer.flush(timeout: .seconds(30))
            #expect(try admin.metadata(topic: topic, timeout: .seconds(10)).topics.map(\.name) == [topic])
            let seen = try readUntilPosition(broker, topic: topic, isolation: "read_uncommitted", position: 1)
            #expect(seen == ["while-down"])
        }

        @Test func injectedRequestErrorsReachTheClient() throws {
            let broker = try EmbeddedBroker()
            // A refused transactional id is fatal for InitProducerId.
            try broker.pushRequestErrors(apiKey: .initProducerId, [.transactionalIdAuthorizationFailed])
            let producer = try KafkaProducer(configuration: [
                "bootstrap.servers": broker.bootstrapServers, "transactional.id": uniqueName("txn"),
            ])
            let error = #expect(throws: KafkaError.self) { try producer.initTransactions(timeout: .seconds(30)) }
            guard case .transaction(let txn)? = error else {
                Issue.record("expected a transaction error, got \(String(describing: error))")
                return
            }
            #expect(txn.code == .transactionalIdAuthorizationFailed)
        }

        @Test func committedOffsetsAreReadFromTheBroker() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("offsets")
            let group = uniqueName("group")
            try createTopic(broker, topic)
            let consumer = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            defer { consumer.close() }
            #expect(try broker.committedOffset(group: group, topic: topic, partition: 0) == nil)
            try consumer.commit([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 42)])
            #expect(try broker.committedOffset(group: group, topic: topic, partition: 0) == 42)
            #expect(throws: EmbeddedBrokerError.self) {
                try broker.committedOffset(group: group, topic: uniqueName("missing"), partition: 0)
            }
        }
    }
}
