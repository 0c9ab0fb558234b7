import CRdKafka

/// Owns a `rd_kafka_topic_partition_list_t` for the duration of one call into librdkafka.
final class TopicPartitionList {
    private let pointer: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

    /// Calls `body` with the native list, keeping this owner alive until `body` returns (a
    /// bare `.pointer` read on a temporary would let Swift free the list before C reads it).
    func withNative<R, E: Error>(_ body: (UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) throws(E) -> R)
        throws(E) -> R
    {
        defer { withExtendedLifetime(self) {} }
        return try body(pointer)
    }

    init(capacity: Int) {
        pointer = rd_kafka_topic_partition_list_new(Int32(capacity))
    }

    convenience init(_ partitions: some Collection<KafkaTopicPartition>) {
        self.init(capacity: partitions.count)
        for tp in partitions { add(tp.topic, tp.partition) }
    }

    convenience init(_ offsets: some Collection<KafkaTopicPartitionOffset>) {
        self.init(capacity: offsets.count)
        for tpo in offsets { add(tpo.topic, tpo.partition).pointee.offset = tpo.offset }
    }

    /// Copies a list librdkafka owns (for example the one a rebalance callback receives).
    init(copying list: UnsafePointer<rd_kafka_topic_partition_list_t>) {
        pointer = rd_kafka_topic_partition_list_copy(list)
    }

    /// Takes ownership of a list librdkafka allocated for the caller.
    init(taking list: UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) {
        pointer = list
    }

    deinit { rd_kafka_topic_partition_list_destroy(pointer) }

    @discardableResult
    func add(_ topic: String, _ partition: Int32) -> UnsafeMutablePointer<rd_kafka_topic_partition_t> {
        rd_kafka_topic_partition_list_add(pointer, topic, partition)
    }

    var partitions: [KafkaTopicPartition] { Self.partitions(of: pointer) }

    var offsets: [KafkaTopicPartitionOffset] { Self.offsets(of: pointer) }

    /// Each element's error code, in list order.
    var errorCodes: [KafkaErrorCode] {
        let list = pointer.pointee
        return (0..<Int(list.cnt)).map { KafkaErrorCode(list.elems[$0].err) }
    }

    /// The first per-partition error in the list, if any.
    func firstError(_ operation: String) -> KafkaError? {
        let list = pointer.pointee
        for i in 0..<Int(list.cnt) where list.elems[i].err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let element = list.elems[i]
            let code = KafkaErrorCode(element.err)
            return .request(
                operation: "\(operation) \(String(cString: element.topic))-\(element.partition)",
                code: code, reason: code.message)
        }
        return nil
    }

    static func partitions(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartition] {
        let l = list.pointee
        return (0..<Int(l.cnt)).map {
            KafkaTopicPartition(topic: String(cString: l.elems[$0].topic), partition: l.elems[$0].partition)
        }
    }

    static func offsets(of list: UnsafePointer<rd_kafka_topic_partition_list_t>) -> [KafkaTopicPartitionOffset] {
        let l = list.pointee
        return (0..<Int(l.cnt)).map {
            KafkaTopicPartitionOffset(
                topic: String(cString: l.elems[$0].topic), partition: l.elems[$0].partition,
                offset: l.elems[$0].offset)
        }
    }
}
