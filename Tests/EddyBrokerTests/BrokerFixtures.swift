import EddyKafka
import EddyTestSupport
import Foundation
import Testing

/// Short group timeouts, as the issue asks for tests.
func consumerConfig(_ broker: EmbeddedBroker, group: String? = nil, isolation: String = "read_committed")
    -> KafkaConfiguration
{
    var config = KafkaConfiguration([
        "bootstrap.servers": broker.bootstrapServers,
        "isolation.level": isolation,
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "500",
        "fetch.wait.max.ms": "10",
    ])
    if let group { config["group.id"] = group }
    return config
}

func transactionalProducer(_ broker: EmbeddedBroker, id: String, timeoutMs: Int = 30000) throws -> KafkaProducer {
    let producer = try KafkaProducer(configuration: [
        "bootstrap.servers": broker.bootstrapServers,
        "transactional.id": id,
        "transaction.timeout.ms": "\(timeoutMs)",
        "linger.ms": "0",
    ])
    try producer.initTransactions(timeout: .seconds(30))
    return producer
}

func createTopic(_ broker: EmbeddedBroker, _ name: String, partitions: Int32 = 1, configs: [String: String] = [:])
    throws
{
    let admin = try KafkaAdmin(configuration: ["bootstrap.servers": broker.bootstrapServers])
    try admin.createTopics([KafkaNewTopic(name: name, partitions: partitions, configs: configs)])
}

/// Sends `values` to partition 0 of `topic` inside the producer's current transaction and waits
/// until the broker has them (so that an abort cannot discard them unsent).
func sendAll(_ producer: KafkaProducer, topic: String, _ values: [String]) throws {
    for value in values {
        try producer.send(KafkaProducerRecord(topic: topic, partition: 0, key: nil, value: value))
    }
    try producer.flush(timeout: .seconds(30))
}

/// Reads partition 0 of `topic` from the beginning until the consumer's position reaches
/// `position` (the log end, or the last stable offset for `read_committed`), and returns the
/// values it saw in order. Fails after `timeout` with what it had.
func readUntilPosition(
    _ broker: EmbeddedBroker, topic: String, isolation: String, position: Int64, timeout: Duration = .seconds(30)
) throws -> [String] {
    let consumer = try KafkaConsumer(configuration: consumerConfig(broker, isolation: isolation))
    defer { consumer.close() }
    try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
    return try readUntilPosition(consumer, topic: topic, position: position, timeout: timeout)
}

/// Polls an assigned consumer until its position in partition 0 of `topic` reaches `position`.
func readUntilPosition(
    _ consumer: KafkaConsumer, topic: String, position: Int64, timeout: Duration = .seconds(30)
) throws -> [String] {
    var values: [String] = []
    let partition = KafkaTopicPartition(topic: topic, partition: 0)
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try consumer.position([partition]).first?.offset != position {
        guard ContinuousClock.now < deadline else {
            let at = try consumer.position([partition]).first?.offset ?? KafkaOffset.invalid
            throw TestTimeout(description: "\(topic): position \(at) never reached \(position); read \(values)")
        }
        for record in try consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) {
            values.append(record.valueString ?? "<null>")
        }
    }
    return values
}

/// Polls for `window` and returns whatever arrives: used to show that nothing more does.
func pollFor(_ consumer: KafkaConsumer, _ window: Duration) throws -> [String] {
    var values: [String] = []
    let end = ContinuousClock.now.advanced(by: window)
    while ContinuousClock.now < end {
        for record in try consumer.poll(maxRecords: 1000, timeout: .milliseconds(50)) {
            values.append(record.valueString ?? "<null>")
        }
    }
    return values
}

func values(_ prefix: String, _ count: Int) -> [String] {
    (0..<count).map { "\(prefix)-\($0)" }
}

/// Every broker test, one at a time: each starts its own `eddy-broker`, and the timing
/// assertions (a rebalance in under 2 s) must not compete for the CPU with the 2-million-record
/// test.
@Suite(.serialized) struct BrokerTests {}
