import EddyKafka
import Testing

/// The transactional API against librdkafka's stock mock: the call paths and the error
/// classification. (Whether aborts are honoured by readers is `eddy-broker`'s job: the stock
/// mock ignores them.)
@Suite struct TransactionTests {
    func transactionalProducer(_ cluster: KafkaMockCluster) throws -> KafkaProducer {
        try KafkaProducer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers,
            "transactional.id": uniqueName("txn"),
            "transaction.timeout.ms": "10000",
        ])
    }

    @Test func commitAndAbortPathsSucceed() throws {
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
    }

    @Test func offsetsAreSentToTheTransactionWithGroupMetadata() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("txn-offsets")
        try cluster.createTopic(topic, partitions: 1)
        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers, "group.id": uniqueName("g")])
        let producer = try transactionalProducer(cluster)
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        try producer.sendOffsetsToTransaction(
            [KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 1)],
            groupMetadata: consumer.groupMetadata(), timeout: .seconds(30))
        try producer.commitTransaction(timeout: .seconds(30))
    }

    @Test func retriableCoordinatorErrorsAreRetried() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("txn-retry")
        try cluster.createTopic(topic, partitions: 1)
        cluster.pushRequestErrors(apiKey: .initProducerId, [KafkaErrorCode(rawValue: 14), KafkaErrorCode(rawValue: 15)])  // COORDINATOR_LOAD_IN_PROGRESS, COORDINATOR_NOT_AVAILABLE
        let producer = try transactionalProducer(cluster)
        try producer.initTransactions(timeout: .seconds(30))
        try producer.beginTransaction()
        try producer.send(KafkaProducerRecord(topic: topic, key: "k", value: "v"))
        cluster.pushRequestErrors(apiKey: .endTxn, [KafkaErrorCode(rawValue: 51)])  // CONCURRENT_TRANSACTIONS
        try producer.commitTransaction(timeout: .seconds(30))
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
        cluster.pushRequestErrors(apiKey: .addPartitionsToTxn, [KafkaErrorCode(rawValue: 29)])  // TOPIC_AUTHORIZATION_FAILED
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
    }
}
