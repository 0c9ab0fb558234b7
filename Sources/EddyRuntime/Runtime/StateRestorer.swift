import EddyKafka
import Logging

/// Fills a new task's stores from their changelog topics before the task processes
/// anything, reading committed records only.
struct StateRestorer {
    let configuration: KafkaConfiguration
    let logger: Logger

    /// Replays each logged store's changelog partition from its start to its end; returns the
    /// number of changelog records applied.
    func restore(_ stores: [LoggedKeyValueStore], partition: Int32, timeout: Duration = .seconds(120)) throws -> Int {
        let logged = stores.filter { $0.changelogTopic != nil }
        guard !logged.isEmpty else { return 0 }
        var restoreConfiguration = configuration
        restoreConfiguration["isolation.level"] = "read_committed"
        restoreConfiguration["enable.partition.eof"] = "true"
        restoreConfiguration["group.id"] = nil
        let consumer = try KafkaConsumer(configuration: restoreConfiguration.withDefaults(["fetch.wait.max.ms": "10"]), logger: logger)
        defer { consumer.close() }
        var applied = 0
        for store in logged {
            let tp = KafkaTopicPartition(topic: store.changelogTopic!, partition: partition)
            let (low, high) = try consumer.watermarks(tp, timeout: .seconds(30))
            logger.info("restoring \(store.name) from \(tp): offsets \(low)..<\(high)")
            guard high > low else { continue }
            try consumer.assign([KafkaTopicPartitionOffset(topic: tp.topic, partition: partition, offset: KafkaOffset.beginning)])
            let deadline = ContinuousClock.now.advanced(by: timeout)
            while try !consumer.hasReachedEnd(tp) && (consumer.position([tp]).first.map { $0.offset < high } ?? true) {
                guard ContinuousClock.now < deadline else {
                    throw ProcessingFailed(description: "restoring \(store.name) from \(tp) did not reach offset \(high) within \(timeout)")
                }
                try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100)) { record in
                    guard let key = record.key else { return }
                    store.restore(key: key, value: record.value)
                    applied += 1
                }
            }
            logger.info("restored \(store.name) for partition \(partition): \(applied) records up to offset \(high)")
        }
        return applied
    }
}
