import CRdKafka

extension KafkaConsumer {
    /// The low and high watermarks of a partition, asked of its leader (blocks up to `timeout`).
    /// For a `read_committed` consumer the high watermark may lie past the last stable offset.
    public func watermarks(_ partition: KafkaTopicPartition, timeout: Duration) throws(KafkaError) -> (low: Int64, high: Int64) {
        var low: Int64 = -1
        var high: Int64 = -1
        let err = rd_kafka_query_watermark_offsets(
            client.handle, partition.topic, partition.partition, &low, &high, timeout.milliseconds)
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT { throw client.explainTimeout("watermarks of \(partition)") }
        try KafkaError.check(err, "watermarks of \(partition)")
        return (low, high)
    }
}
