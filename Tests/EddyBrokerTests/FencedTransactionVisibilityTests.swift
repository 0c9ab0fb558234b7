import EddyKafka
import EddyTestSupport
import Testing

extension BrokerTests {
    /// What a restarted exactly-once worker relies on: the open transactions of its killed
    /// predecessor, aborted when the new producer with the same `transactional.id` fences the
    /// old one, never reach a `read_committed` reader — not one reading from the start, and not
    /// one already waiting at the end of the partitions when the abort lands (a waiting fetch is
    /// answered at that moment, patch 0005), however the producers' transactions interleave.
    @Suite struct FencedTransactionVisibilityTests {
        static let rounds = 12
        static let partitions: Int32 = 6
        static let perPartition = 3

        /// Two `transactional.id`s (two stream threads), each round: commit a transaction, leave
        /// one open, then a new producer per id fences the old one (aborting its open
        /// transaction) while the other id's transaction is still open, and commits. Readers
        /// waiting at the end (`fetch.wait.max.ms` 10 ms and 5 s) see only committed records,
        /// each at most once; at the end each has read exactly the committed ones.
        @Test func readersAtTheEndNeverSeeTheFencedProducersRecords() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("fenced")
            try createTopic(broker, topic, partitions: Self.partitions)
            let readers = try [10, 5000].map { wait in
                var config = consumerConfig(broker)
                config["fetch.wait.max.ms"] = "\(wait)"
                let reader = try KafkaConsumer(configuration: config)
                try reader.assign(
                    (0..<Self.partitions).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: 0) })
                return reader
            }
            defer { readers.forEach { $0.close() } }
            var seen = [[String]](repeating: [], count: readers.count)
            func poll() throws {
                for (r, reader) in readers.enumerated() {
                    for record in try reader.poll(maxRecords: 10_000, timeout: .milliseconds(20)) {
                        let value = record.valueString ?? "<null>"
                        #expect(!value.contains("/open/"), "reader \(r) read \(value) of a fenced transaction")
                        seen[r].append(value)
                    }
                }
            }

            let ids = [uniqueName("thread0"), uniqueName("thread1")]
            var producers = try ids.map { try transactionalProducer(broker, id: $0) }
            var committed: [String] = []
            for round in 1...Self.rounds {
                for (t, producer) in producers.enumerated() {
                    try producer.beginTransaction()
                    committed += try send(producer, topic: topic, "r\(round)/t\(t)/done")
                    try producer.commitTransaction(timeout: .seconds(30))
                    try poll()
                }
                for (t, producer) in producers.enumerated() {
                    try producer.beginTransaction()
                    _ = try send(producer, topic: topic, "r\(round)/t\(t)/open")
                    try poll()
                }
                // Each successor fences its predecessor while the other id's transaction is open.
                for t in producers.indices {
                    producers[t] = try transactionalProducer(broker, id: ids[t])
                    try poll()
                    try producers[t].beginTransaction()
                    committed += try send(producers[t], topic: topic, "r\(round)/t\(t)/after")
                    try producers[t].commitTransaction(timeout: .seconds(30))
                    try poll()
                }
            }

            // Every transaction has ended: each reader reads to the log end.
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            for reader in readers {
                for partition in 0..<Self.partitions {
                    let tp = KafkaTopicPartition(topic: topic, partition: partition)
                    let end = try reader.watermarks(tp, timeout: .seconds(10)).high
                    while try reader.position([tp]).first?.offset != end {
                        guard ContinuousClock.now < deadline else {
                            throw TestTimeout(description: "\(tp) never reached its end \(end)")
                        }
                        try poll()
                    }
                }
            }
            try poll()
            for r in readers.indices {
                #expect(seen[r].count == committed.count, "reader \(r)")
                #expect(seen[r].sorted() == committed.sorted(), "reader \(r)")
            }
        }

        /// A producer killed mid-transaction (as `kill -9` leaves a worker's), then fenced by a
        /// new producer with its `transactional.id` — not by the transaction timeout (10 min
        /// here): a reader waiting at the end with a 5 s `fetch.wait.max.ms` is answered when
        /// the ABORT marker lands, sees none of the killed producer's records, and then exactly
        /// the successor's committed ones.
        @Test func aKilledProducersRecordsStayHiddenWhenItsSuccessorFencesIt() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("killed")
            try createTopic(broker, topic)
            var config = consumerConfig(broker)
            config["fetch.wait.max.ms"] = "5000"
            let reader = try KafkaConsumer(configuration: config)
            defer { reader.close() }
            try reader.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 0)])

            let id = uniqueName("txn")
            let probe = try TransactionProbe(
                broker: broker, topic: topic, transactionalID: id, count: 4, timeoutMs: 600_000)
            // Offsets 0-3 are the open transaction's: the reader waits at the last stable offset 0.
            #expect(try pollFor(reader, .milliseconds(300)) == [])
            probe.kill()
            let successor = try transactionalProducer(broker, id: id)
            // 4 is the ABORT marker the successor's InitProducerId wrote.
            #expect(try readUntilPosition(reader, topic: topic, position: 5, timeout: .seconds(10)) == [])
            try successor.beginTransaction()
            try sendAll(successor, topic: topic, values("successor", 3))
            try successor.commitTransaction(timeout: .seconds(30))
            // 5-7 the successor's records, 8 its COMMIT marker.
            #expect(
                try readUntilPosition(reader, topic: topic, position: 9, timeout: .seconds(10))
                    == values("successor", 3))
            #expect(try pollFor(reader, .milliseconds(200)) == [])
        }

        /// Sends `perPartition` records to every partition inside the producer's transaction and
        /// waits until the broker has them; returns their values.
        private func send(_ producer: KafkaProducer, topic: String, _ prefix: String) throws -> [String] {
            var sent: [String] = []
            for partition in 0..<Self.partitions {
                for i in 0..<Self.perPartition {
                    let value = "\(prefix)/\(partition)-\(i)"
                    try producer.send(KafkaProducerRecord(topic: topic, partition: partition, key: nil, value: value))
                    sent.append(value)
                }
            }
            try producer.flush(timeout: .seconds(30))
            return sent
        }
    }
}
