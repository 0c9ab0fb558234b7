import EddyKafka
import EddyTestSupport
import Testing

/// The transactional API against librdkafka's stock mock: the call paths and the error
/// classification. Transactional offsets and the visibility of aborted records are
/// `eddy-broker`'s (`TransactionalOffsetTests`, `TransactionIsolationTests`): the stock mock
/// ignores transactional offsets.
@Suite struct TransactionTests {
    func transactionalProducer(_ cluster: KafkaMockCluster) throws -> KafkaProducer {
        try KafkaProducer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers,
            "transactional.id": uniqueName("txn"),
            "transaction.timeout.ms": "10000",
        ])
    }

    @Test func committedRecordsArriveAndAnAbortLeavesNothingInFlight() throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let topic = uniqueName("txn-topic")
        try cluster.createTopic(topic, partitions: 3)
        let producer = try transactionalProducer(cluster)
        try producer.initTransactions(timeout: .seconds(30))

        try producer.beginTransaction()
        for i in 0..<10 { try producer.send(KafkaProducerRecord(topic: topic, key: "k\(i)", value: "committed")) }
        try producer.commitTransaction(timeout: .seconds(30))

        try producer.beginTransaction()
        for i in 0..<5 { try producer.send(KafkaProducerRecord(topic: topic, key: "k\(i)", value: "aborted")) }
        try producer.abortTransaction(timeout: .seconds(30))
        #expect(producer.inFlightCount == 0)

        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        try consumer.assign((0..<3).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: 0) })
        let read = try consumer.poll(until: 10)
        #expect(
            read.map { "\($0.keyString ?? "")=\($0.valueString ?? "")" }.sorted()
                == (0..<10).map { "k\($0)=committed" }.sorted())
    }

    @Test func retriableCoordinatorErrorsAreRetried() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("txn-retry")
        try cluster.createTopic(topic, partitions: 1)
        cluster.pushRequestErrors(apiKey: .initProducerId, [.coordinatorLoadInProgress, .coordinatorNotAvailable])
        let producer = try transactionalProducer(cluster)
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        cluster.pushRequestErrors(apiKey: .endTxn, [.concurrentTransactions])
        try producer.commitTransaction(timeout: .seconds(30))
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 0)])
        #expect(try consumer.poll(until: 1).map { "\($0.keyString ?? "")=\($0.valueString ?? "")" } == ["k=v"])
    }

    @Test func fencedProducerSurfacesAsFatal() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("txn-fatal")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try transactionalProducer(cluster)
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        cluster.pushRequestErrors(apiKey: .endTxn, [.producerFenced])
        let error = #expect(throws: KafkaError.self) { try producer.commitTransaction(timeout: .seconds(30)) }
        guard case .transaction(let txn)? = error else {
            Issue.record("expected a transaction error, got \(String(describing: error))")
            return
        }
        #expect(txn.kind == .fatal)
        #expect(txn.isFenced)
        #expect(txn.operation == "commit_transaction")
        #expect(txn.description.contains("another producer with the same transactional.id took over"))
    }

    @Test func abortableErrorRequiresAbortThenRecovers() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("txn-abortable")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try transactionalProducer(cluster)
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        cluster.pushRequestErrors(apiKey: .addPartitionsToTxn, [.topicAuthorizationFailed])
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        let error = #expect(throws: KafkaError.self) { try producer.commitTransaction(timeout: .seconds(30)) }
        guard case .transaction(let txn)? = error else {
            Issue.record("expected a transaction error, got \(String(describing: error))")
            return
        }
        #expect(txn.kind == .abortable)
        try producer.abortTransaction(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "again"))
        try producer.commitTransaction(timeout: .seconds(30))
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 0)])
        #expect(try consumer.poll(until: 1).map { "\($0.keyString ?? "")=\($0.valueString ?? "")" } == ["k=again"])
    }
}
