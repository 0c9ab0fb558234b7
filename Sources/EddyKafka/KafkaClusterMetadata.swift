import CRdKafka

/// What the cluster says about its brokers and topics.
public struct KafkaClusterMetadata: Sendable, Hashable {
    public struct Broker: Sendable, Hashable {
        public var id: Int32
        public var host: String
        public var port: Int32
    }

    public struct Topic: Sendable, Hashable {
        public var name: String
        /// Partition ids, sorted.
        public var partitions: [Int32]
        /// The error the cluster reported for this topic, if any (e.g. unknown topic).
        public var error: KafkaErrorCode?
    }

    public var brokers: [Broker]
    /// Topics sorted by name.
    public var topics: [Topic]

    public func topic(_ name: String) -> Topic? { topics.first { $0.name == name } }

    static func fetch(client: KafkaClient, topic: String?, timeout: Duration) throws(KafkaError) -> KafkaClusterMetadata
    {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        var topicHandle: OpaquePointer?
        if let topic { topicHandle = rd_kafka_topic_new(client.handle, topic, nil) }
        defer { if let topicHandle { rd_kafka_topic_destroy(topicHandle) } }
        let err = rd_kafka_metadata(client.handle, topic == nil ? 1 : 0, topicHandle, &metadata, timeout.milliseconds)
        if err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT {
            throw client.explainTimeout("metadata")
        }
        try KafkaError.check(err, "metadata")
        guard let metadata else { throw .client(operation: "metadata", reason: "no metadata returned") }
        defer { rd_kafka_metadata_destroy(metadata) }
        let md = metadata.pointee
        let brokers = (0..<Int(md.broker_cnt)).map { i in
            Broker(id: md.brokers[i].id, host: String(cString: md.brokers[i].host), port: md.brokers[i].port)
        }
        let topics = (0..<Int(md.topic_cnt)).map { i in
            let t = md.topics[i]
            return Topic(
                name: String(cString: t.topic),
                partitions: (0..<Int(t.partition_cnt)).map { t.partitions[$0].id }.sorted(),
                error: t.err == RD_KAFKA_RESP_ERR_NO_ERROR ? nil : KafkaErrorCode(t.err))
        }
        return KafkaClusterMetadata(
            brokers: brokers.sorted { $0.id < $1.id }, topics: topics.sorted { $0.name < $1.name })
    }
}
