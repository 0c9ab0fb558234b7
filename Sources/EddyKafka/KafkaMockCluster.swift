import CRdKafka
import Logging

/// librdkafka's own in-process mock cluster, for unit tests of the Kafka layer.
///
/// It speaks the Kafka protocol on loopback ports, but it is not Kafka: it ignores aborted
/// transactions and transactional offsets, and cannot create topics through the admin API.
/// End-to-end tests use `eddy-broker` (``EmbeddedBroker``) instead, which keeps Kafka's
/// transactional semantics.
public final class KafkaMockCluster: @unchecked Sendable {
    private let owner: KafkaClient
    private let cluster: OpaquePointer

    /// Starts `brokers` mock brokers inside this process.
    public init(brokers: Int = 1, logger: Logger = Logger(label: "eddy.kafka.mock")) throws(KafkaError) {
        owner = try KafkaClient(
            type: RD_KAFKA_PRODUCER, configuration: KafkaConfiguration(), logger: logger, requireBootstrapServers: false
        )
        guard let cluster = rd_kafka_mock_cluster_new(owner.handle, Int32(brokers)) else {
            throw .client(operation: "start mock cluster", reason: "rd_kafka_mock_cluster_new failed")
        }
        self.cluster = cluster
    }

    deinit { rd_kafka_mock_cluster_destroy(cluster) }

    /// The `bootstrap.servers` string for clients.
    public var bootstrapServers: String { String(cString: rd_kafka_mock_cluster_bootstraps(cluster)) }

    /// Creates a topic directly in the mock (its CreateTopics handler is not implemented).
    public func createTopic(_ name: String, partitions: Int32, replicationFactor: Int32 = 1) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_topic_create(cluster, name, partitions, replicationFactor), "mock create topic '\(name)'")
    }

    /// Makes every request about `topic` fail with `code` (e.g. ``KafkaErrorCode/unknownTopicOrPartition``
    /// to act as a broker with topic auto-creation off); ``KafkaErrorCode/noError`` clears it.
    public func setTopicError(_ topic: String, _ code: KafkaErrorCode) {
        rd_kafka_mock_topic_set_error(cluster, topic, rd_kafka_resp_err_t(rawValue: code.rawValue))
    }

    /// Makes the next `errors.count` requests with this API key fail with these codes, in order.
    public func pushRequestErrors(apiKey: KafkaAPIKey, _ errors: [KafkaErrorCode]) {
        let raw = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        rd_kafka_mock_push_request_errors_array(cluster, apiKey.rawValue, raw.count, raw)
    }

    /// Makes a broker unreachable (its connections are closed and refused) until ``setBrokerUp(_:)``.
    public func setBrokerDown(_ brokerID: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_down(cluster, brokerID), "mock broker \(brokerID) down")
    }

    /// Brings a broker taken down with ``setBrokerDown(_:)`` back.
    public func setBrokerUp(_ brokerID: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_up(cluster, brokerID), "mock broker \(brokerID) up")
    }
}

/// Kafka protocol API keys that tests inject errors into.
public struct KafkaAPIKey: Hashable, Sendable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let produce = KafkaAPIKey(rawValue: 0)
    public static let fetch = KafkaAPIKey(rawValue: 1)
    public static let metadata = KafkaAPIKey(rawValue: 3)
    public static let offsetCommit = KafkaAPIKey(rawValue: 8)
    public static let findCoordinator = KafkaAPIKey(rawValue: 10)
    public static let joinGroup = KafkaAPIKey(rawValue: 11)
    public static let initProducerId = KafkaAPIKey(rawValue: 22)
    public static let addPartitionsToTxn = KafkaAPIKey(rawValue: 24)
    public static let addOffsetsToTxn = KafkaAPIKey(rawValue: 25)
    public static let endTxn = KafkaAPIKey(rawValue: 26)
    public static let txnOffsetCommit = KafkaAPIKey(rawValue: 28)
}
