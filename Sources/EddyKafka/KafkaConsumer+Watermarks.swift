import CRdKafka

extension KafkaConsumer {
    /// The low and high watermarks of a partition, asked of its leader (blocks up to `timeout`).
    /// For a `read_committed` consumer the high watermark may lie past the last stable offset.
    public func watermarks(_ partition: KafkaTopicPartition, timeout: Duration) throws(KafkaError) -> (
        low: Int64, high: Int64
    ) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            client.handle, partition.topic, partition.partition, &low, &high, timeout.milliseconds)
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT { throw client.explainTimeout("watermarks of \(partition)") }
        try KafkaError.check(err, "watermarks of \(partition)")
        return (low, high)
    }
}

extension KafkaConsumer {
    /// For each partition, the offset of its first record whose timestamp is at least
    /// `timestamp` (ms since the epoch), or nil when it has none (Kafka's ListOffsets by
    /// time, `rd_kafka_offsets_for_times`; blocks up to `timeout`).
    public func offsets(
        forTime timestamp: Int64, of partitions: [KafkaTopicPartition], timeout: Duration
    ) throws(KafkaError) -> [KafkaTopicPartition: Int64?] {
        let list = TopicPartitionList(
            partitions.map { KafkaTopicPartitionOffset(topic: $0.topic, partition: $0.partition, offset: timestamp) })
        let err = list.withNative { rd_kafka_offsets_for_times(client.handle, $0, timeout.milliseconds) }
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT { throw client.explainTimeout("offsets for time \(timestamp)") }
        try KafkaError.check(err, "offsets for time \(timestamp)")
        if let error = list.firstError("offsets for time \(timestamp)") { throw error }
        var found: [KafkaTopicPartition: Int64?] = [:]
        for entry in list.withNative({ TopicPartitionList.offsets(of: $0) }) {
            found[KafkaTopicPartition(topic: entry.topic, partition: entry.partition)] =
                entry.offset >= 0 ? entry.offset : nil
        }
        return found
    }
}
