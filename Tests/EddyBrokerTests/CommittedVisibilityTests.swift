import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// Issue 25, part 1: a `read_committed` reader sees a committed transaction whole, and as
    /// soon as the commit has returned. The mock used to answer a Fetch that found no data
    /// with a snapshot taken when the request arrived, held for `fetch.wait.max.ms`: a reader
    /// waiting at the end of the partition saw a commit only when that wait ran out, and a
    /// commit landing inside the wait was answered with an end of partition from before it.
    @Suite struct CommittedVisibilityTests {
        /// The scenario, on a fresh broker each time: a second producer with the same
        /// `transactional.id` fences the first (aborting its open transaction of 5 records),
        /// then commits 5; a reader from offset 0 that stops at the end of the partition sees
        /// exactly those 5.
        @Test func fencedThenCommittedTransactionIsWholeAtTheEnd() throws {
            for run in 1...50 {
                let broker = try EmbeddedBroker()
                let topic = uniqueName("visible")
                try createTopic(broker, topic)
                let id = uniqueName("txn")
                let zombie = try transactionalProducer(broker, id: id)
                try zombie.beginTransaction()
                try sendAll(zombie, topic: topic, values("zombie", 5))
                let producer = try transactionalProducer(broker, id: id)
                try producer.beginTransaction()
                try sendAll(producer, topic: topic, values("committed", 5))
                try producer.commitTransaction(timeout: .seconds(30))

                let seen = try readToEnd(broker, topic: topic)
                #expect(seen == values("committed", 5), "run \(run)")
                if seen != values("committed", 5) { return }
            }
        }

        /// A reader already waiting at the end of the partition with a long
        /// `fetch.wait.max.ms` gets a commit's records at once, not when its wait runs out
        /// (the old mock: nothing within 10 s).
        @Test func waitingReaderSeesACommitAtOnce() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("waiting")
            try createTopic(broker, topic)
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("first", 3))
            try producer.commitTransaction(timeout: .seconds(30))

            var config = consumerConfig(broker)
            config["fetch.wait.max.ms"] = "30000"
            let reader = try KafkaConsumer(configuration: config)
            defer { reader.close() }
            try reader.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 0)])
            // Offsets 0-2 committed, 3 the COMMIT marker; the reader's next fetch then waits
            // at the end of the partition.
            #expect(
                try readUntilPosition(reader, topic: topic, position: 4, timeout: .seconds(10)) == values("first", 3))

            try producer.beginTransaction()
            try sendAll(producer, topic: topic, values("second", 5))
            try producer.commitTransaction(timeout: .seconds(30))
            let committedAt = ContinuousClock.now
            // Offsets 4-8 committed, 9 the COMMIT marker.
            #expect(
                try readUntilPosition(reader, topic: topic, position: 10, timeout: .seconds(10)) == values("second", 5))
            #expect(ContinuousClock.now - committedAt < .seconds(5))
        }

        /// Reads partition 0 from offset 0 under `read_committed` until the end of the partition
        /// (offset 0 rather than `beginning`: librdkafka 2.0.2 spends 0.5 s resolving that).
        private func readToEnd(_ broker: EmbeddedBroker, topic: String) throws -> [String] {
            var config = consumerConfig(broker)
            config["enable.partition.eof"] = "true"
            let reader = try KafkaConsumer(configuration: config)
            defer { reader.close() }
            let partition = KafkaTopicPartition(topic: topic, partition: 0)
            try reader.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 0)])
            var seen: [String] = []
            let deadline = ContinuousClock.now.advanced(by: .seconds(10))
            while !reader.hasReachedEnd(partition) {
                guard ContinuousClock.now < deadline else {
                    throw TestTimeout(description: "\(topic): no end of partition; read \(seen)")
                }
                seen += try reader.poll(maxRecords: 100, timeout: .milliseconds(50)).map { $0.valueString ?? "<null>" }
            }
            return seen
        }
    }
}
