import Dispatch
import EddyKafka
import EddyTestSupport
import Synchronization
import Testing

extension BrokerTests {
    /// Issue 25, part 1, with several producers: transactions interleave over several
    /// partitions, some abort. Kafka does not promise that the last stable offset never stops
    /// inside a transaction (with interleaved transactions it is the first offset of the
    /// oldest open one), so this asserts what Kafka does promise: a `read_committed` reader
    /// never sees a record of a transaction before that transaction ends, never one of an
    /// aborted transaction, and once every transaction has ended it has read exactly the
    /// committed records, each producer's in the order it sent them.
    @Suite struct ConcurrentTransactions {
        static let rounds = 50
        static let producers = 3
        static let transactionsPerProducer = 6
        static let partitions: Int32 = 4

        @Test func readCommittedSeesOnlyWholeEndedTransactions() throws {
            let broker = try EmbeddedBroker()
            for round in 1...Self.rounds {
                try runRound(broker, round: round)
            }
        }

        private func runRound(_ broker: EmbeddedBroker, round: Int) throws {
            let topic = uniqueName("interleaved")
            try createTopic(broker, topic, partitions: Self.partitions)
            let ledger = Ledger()

            let reader = try KafkaConsumer(configuration: consumerConfig(broker))
            defer { reader.close() }
            try reader.assign(
                (0..<Self.partitions).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: 0) })

            let done = DispatchGroup()
            for p in 0..<Self.producers {
                DispatchQueue.global().async(group: done) {
                    do {
                        try produce(broker, topic: topic, producer: p, ledger: ledger)
                    } catch {
                        ledger.failures.withLock { $0.append("producer \(p): \(error)") }
                    }
                }
            }

            var seen: [Int32: [String]] = [:]
            func poll() throws {
                for record in try reader.poll(maxRecords: 1000, timeout: .milliseconds(20)) {
                    let value = record.valueString ?? "<null>"
                    let transaction = String(value.split(separator: "/")[0])
                    let ended = ledger.ended.withLock { $0.contains(transaction) }
                    #expect(ended, "round \(round): read \(value) before its transaction ended")
                    seen[record.partition, default: []].append(value)
                }
            }
            let deadline = ContinuousClock.now.advanced(by: .seconds(60))
            while done.wait(timeout: .now()) == .timedOut {
                guard ContinuousClock.now < deadline else {
                    throw TestTimeout(description: "round \(round): producers hang")
                }
                try poll()
            }
            let failures = ledger.failures.withLock { $0 }
            #expect(failures.isEmpty)
            guard failures.isEmpty else { return }

            // Every transaction has ended: the last stable offset is the log end.
            for partition in 0..<Self.partitions {
                let tp = KafkaTopicPartition(topic: topic, partition: partition)
                let end = try reader.watermarks(tp, timeout: .seconds(10)).high
                while try reader.position([tp]).first?.offset != end {
                    guard ContinuousClock.now < deadline else {
                        throw TestTimeout(description: "round \(round): \(tp) never reached \(end)")
                    }
                    try poll()
                }
            }

            let committed = ledger.committed.withLock { $0 }
            for partition in 0..<Self.partitions {
                let got = seen[partition, default: []]
                let expected = committed.filter { $0.partition == partition }.map(\.value)
                #expect(got.sorted() == expected.sorted(), "round \(round), partition \(partition)")
                for p in 0..<Self.producers {
                    let mine = "p\(p)-"
                    #expect(
                        got.filter { $0.hasPrefix(mine) } == expected.filter { $0.hasPrefix(mine) },
                        "round \(round), partition \(partition), producer \(p): out of order")
                }
            }
        }

        /// One producer's transactions: two records to each partition; every third one aborts.
        /// A transaction is marked ended just before its EndTxn is sent, so that a reader can
        /// tell a record it should not have seen yet.
        private func produce(_ broker: EmbeddedBroker, topic: String, producer p: Int, ledger: Ledger) throws {
            let producer = try transactionalProducer(broker, id: uniqueName("txn"))
            for t in 0..<Self.transactionsPerProducer {
                let transaction = "p\(p)-t\(t)"
                let aborts = (p + t) % 3 == 2
                try producer.beginTransaction()
                var records: [(partition: Int32, value: String)] = []
                for partition in 0..<Self.partitions {
                    for i in 0..<2 {
                        let value = "\(transaction)/\(partition)-\(i)"
                        try producer.send(
                            KafkaProducerRecord(topic: topic, partition: partition, key: nil, value: value))
                        records.append((partition, value))
                    }
                }
                try producer.flush(timeout: .seconds(30))
                ledger.ended.withLock { _ = $0.insert(transaction) }
                if aborts {
                    try producer.abortTransaction(timeout: .seconds(30))
                } else {
                    try producer.commitTransaction(timeout: .seconds(30))
                    ledger.committed.withLock { $0 += records }
                }
            }
        }

        /// What the producers did, shared with the reader.
        private final class Ledger: Sendable {
            let ended = Mutex<Set<String>>([])
            let committed = Mutex<[(partition: Int32, value: String)]>([])
            let failures = Mutex<[String]>([])
        }
    }
}
