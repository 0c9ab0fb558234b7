import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// KIP-447 on the group coordinator: `TxnOffsetCommit` carries the consumer group metadata
    /// and a stale member's offsets are refused; `OffsetFetch` with `require_stable` (what a
    /// `read_committed` consumer sends) waits while a transaction has offsets pending.
    @Suite struct GroupFencingTests {
        @Test func offsetsOfAnOlderGenerationAreRefused() throws {
            let broker = try EmbeddedBroker()
            let (topic, group) = (uniqueName("input"), uniqueName("group"))
            try createTopic(broker, topic, partitions: 2)
            let first = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            defer { first.close() }
            try first.subscribe(topics: [topic])
            try pollUntil("the first member's assignment", [first]) { try first.assignment().count == 2 }
            let firstGeneration = try first.groupMetadata()

            let second = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            defer { second.close() }
            try second.subscribe(topics: [topic])
            try pollUntil("the second generation", [first, second]) {
                try first.assignment().count == 1 && second.assignment().count == 1
            }

            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            let refused = try sendOffsets(producer, topic: topic, metadata: firstGeneration)
            #expect(refused == .illegalGeneration)
            #expect(try sendOffsets(producer, topic: topic, metadata: first.groupMetadata()) == nil)
            #expect(try broker.committedOffset(group: group, topic: topic, partition: 0) == 1)
        }

        @Test func offsetsOfAMemberThatLeftAreRefused() throws {
            let broker = try EmbeddedBroker()
            let (topic, group) = (uniqueName("input"), uniqueName("group"))
            try createTopic(broker, topic)
            let member = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            try member.subscribe(topics: [topic])
            try pollUntil("the assignment", [member]) { try member.assignment().count == 1 }
            let metadata = try member.groupMetadata()
            member.close()

            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            #expect(try sendOffsets(producer, topic: topic, metadata: metadata) == .unknownMemberId)
            #expect(try broker.committedOffset(group: group, topic: topic, partition: 0) == nil)
        }

        @Test func offsetsOfAReplacedStaticMemberAreRefused() throws {
            let broker = try EmbeddedBroker()
            let (topic, group) = (uniqueName("input"), uniqueName("group"))
            try createTopic(broker, topic)
            var config = consumerConfig(broker, group: group)
            config["group.instance.id"] = "worker-1"
            let old = try KafkaConsumer(configuration: config)
            try old.subscribe(topics: [topic])
            try pollUntil("the old member's assignment", [old]) { try old.assignment().count == 1 }
            let metadata = try old.groupMetadata()

            let replacement = try KafkaConsumer(configuration: config)
            defer { replacement.close() }
            try replacement.subscribe(topics: [topic])
            try pollUntil("the replacement's assignment", [replacement]) { try replacement.assignment().count == 1 }

            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            #expect(try sendOffsets(producer, topic: topic, metadata: metadata) == .fencedInstanceId)
            #expect(try sendOffsets(producer, topic: topic, metadata: replacement.groupMetadata()) == nil)
        }

        @Test func stableOffsetsWaitForThePendingTransaction() throws {
            let broker = try EmbeddedBroker()
            let (topic, group) = (uniqueName("input"), uniqueName("group"))
            try createTopic(broker, topic)
            let partition = KafkaTopicPartition(topic: topic, partition: 0)
            // An assigned (not subscribed) consumer: metadata of no member, accepted unchecked.
            let reader = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            defer { reader.close() }
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            try producer.beginTransaction()
            try producer.sendOffsetsToTransaction(
                [KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 3)],
                groupMetadata: reader.groupMetadata(),
                timeout: .seconds(30))

            let uncommitted = try KafkaConsumer(
                configuration: consumerConfig(broker, group: group, isolation: "read_uncommitted"))
            defer { uncommitted.close() }
            #expect(try uncommitted.committed([partition], timeout: .seconds(10)).first?.offset == KafkaOffset.invalid)
            let stable = try KafkaConsumer(configuration: consumerConfig(broker, group: group))
            defer { stable.close() }
            #expect(throws: KafkaError.self) { try stable.committed([partition], timeout: .seconds(1)) }

            try producer.commitTransaction(timeout: .seconds(30))
            #expect(try stable.committed([partition], timeout: .seconds(10)).first?.offset == 3)
        }

        /// Sends offset 1 of partition 0 in a transaction with `metadata` and commits it;
        /// returns the code the coordinator refused it with (the transaction then aborted).
        private func sendOffsets(_ producer: KafkaProducer, topic: String, metadata: KafkaConsumerGroupMetadata) throws
            -> KafkaErrorCode?
        {
            try producer.beginTransaction()
            do {
                try producer.sendOffsetsToTransaction(
                    [KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 1)], groupMetadata: metadata,
                    timeout: .seconds(30))
            } catch .transaction(let txn) where txn.kind == .abortable {
                try producer.abortTransaction(timeout: .seconds(30))
                return txn.code
            }
            try producer.commitTransaction(timeout: .seconds(30))
            return nil
        }

        /// Polls `consumers` (running their group protocol) until `condition` holds, for up to 20 s.
        private func pollUntil(_ what: String, _ consumers: [KafkaConsumer], _ condition: () throws -> Bool) throws {
            let deadline = ContinuousClock.now.advanced(by: .seconds(20))
            while try !condition() {
                guard ContinuousClock.now < deadline else { throw TestTimeout(description: "no \(what) within 20 s") }
                for consumer in consumers { _ = try consumer.poll(maxRecords: 100, timeout: .milliseconds(20)) }
            }
        }
    }
}
