import CRdKafka
import EddyTestSupport
import Testing

@testable import EddyKafka

/// `fetch.queue.backoff.ms` on librdkafka 2.0.2 (``KafkaFetchWaker``): a consumer whose
/// pre-fetch queue is capped refills it as soon as it drains, instead of once per second.
@Suite struct FetchQueueBackoffTests {
    /// 3 partitions on 3 brokers, 2,000 records each in batches of 20; a cap of 50 records per
    /// partition and fetches of about 40 records make each partition refill ~50 times. Without
    /// a wake each refill waits for its broker thread's one-second idle timeout (≥ 40 s for
    /// the 6,000 records); the waker, every 5 ms while records are taken, has every leader
    /// fetch again at once.
    @Test func aCappedQueueRefillsWithoutWaitingForTheIdleTimeout() throws {
        try #require(!KafkaFetchQueueBackoff.isNative, "the linked librdkafka implements fetch.queue.backoff.ms")
        let cluster = try KafkaMockCluster(brokers: 3)
        let topic = uniqueName("capped")
        try cluster.createTopic(topic, partitions: 3)
        let producer = try KafkaProducer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers, "linger.ms": "0", "batch.num.messages": "20",
        ])
        for i in 0..<6_000 {
            try producer.send(
                KafkaProducerRecord(topic: topic, partition: Int32(i % 3), key: nil, value: "value-\(i / 3)"))
        }
        try producer.flush(timeout: .seconds(30))

        let consumer = try KafkaConsumer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers, "fetch.wait.max.ms": "10",
            "queued.min.messages": "50", "max.partition.fetch.bytes": "1024", "fetch.queue.backoff.ms": "5",
        ])
        defer { consumer.close() }
        try consumer.assign(
            (0..<3).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        let start = ContinuousClock.now
        let received = try consumer.poll(until: 6_000, timeout: .seconds(20))
        let elapsed = ContinuousClock.now - start

        for partition in Int32(0)..<3 {
            let got = received.filter { $0.partition == partition }
            #expect(got.map(\.offset) == Array(0..<2_000))
            #expect(got.map(\.valueString) == (0..<2_000).map { "value-\($0)" })
        }
        #expect(elapsed < .seconds(10), "6,000 records took \(elapsed): the capped queue waited for idle timeouts")
        #expect((consumer.fetchWaker?.wakes.load(ordering: .relaxed) ?? 0) > 0)
    }

    @Test func aMalformedValueIsRefusedByName() throws {
        let cluster = try KafkaMockCluster()
        #expect(
            throws: KafkaError.configuration(
                key: "fetch.queue.backoff.ms",
                reason: "'soon' is not a whole number of milliseconds from 0 to 300000 — e.g. 5")
        ) {
            try KafkaConsumer(configuration: [
                "bootstrap.servers": cluster.bootstrapServers, "fetch.queue.backoff.ms": "soon",
            ])
        }
    }

    /// One `kafka:` section configures producers too; on 2.0.2 librdkafka would refuse the key.
    @Test func producersAndSlowBackoffsRunWithoutAWaker() throws {
        let cluster = try KafkaMockCluster()
        _ = try KafkaProducer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers, "fetch.queue.backoff.ms": "5",
        ])
        let consumer = try KafkaConsumer(configuration: [
            "bootstrap.servers": cluster.bootstrapServers, "fetch.queue.backoff.ms": "1000",
        ])
        defer { consumer.close() }
        #expect(consumer.fetchWaker == nil)
    }
}
