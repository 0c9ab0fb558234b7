import CRdKafka
import Logging

/// A topic to create.
public struct KafkaNewTopic: Sendable, Hashable {
    public var name: String
    public var partitions: Int32
    public var replicationFactor: Int32
    /// Topic configs such as `cleanup.policy=compact`.
    public var configs: [String: String]

    public init(name: String, partitions: Int32, replicationFactor: Int32 = 1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// Cluster administration: create, delete and describe topics.
///
/// Every call blocks until the cluster answers or the timeout passes: use it from a
/// dedicated thread, never from Swift's cooperative pool.
public final class KafkaAdmin: @unchecked Sendable {
    let client: KafkaClient

    public init(configuration: KafkaConfiguration, logger: Logger = Logger(label: "eddy.kafka.admin"))
        throws(KafkaError)
    {
        client = try KafkaClient(type: RD_KAFKA_PRODUCER, configuration: configuration, logger: logger)
    }

    /// Creates topics. With `ifNotExists`, a topic that already exists is not an error.
    public func createTopics(_ topics: [KafkaNewTopic], ifNotExists: Bool = false, timeout: Duration = .seconds(30))
        throws(KafkaError)
    {
        var errstr = CErrorBuffer()
        var newTopics: [OpaquePointer?] = []
        defer { newTopics.forEach { rd_kafka_NewTopic_destroy($0) } }
        for topic in topics {
            guard
                let nt = rd_kafka_NewTopic_new(
                    topic.name, topic.partitions, topic.replicationFactor, &errstr.bytes, errstr.count)
            else {
                throw .client(operation: "create topic '\(topic.name)'", reason: errstr.message)
            }
            newTopics.append(nt)
            for (key, value) in topic.configs.sorted(by: { $0.key < $1.key }) {
                try KafkaError.check(
                    rd_kafka_NewTopic_set_config(nt, key, value), "create topic '\(topic.name)' config \(key)")
            }
        }
        let event = try request("create topics", timeout: timeout) { options, queue in
            rd_kafka_CreateTopics(client.handle, &newTopics, newTopics.count, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        try Self.checkTopicResults(results, count, "create topic", ignoring: ifNotExists ? .topicAlreadyExists : nil)
    }

    /// Deletes topics. With `ifExists`, a topic that does not exist is not an error.
    public func deleteTopics(_ names: [String], ifExists: Bool = false, timeout: Duration = .seconds(30))
        throws(KafkaError)
    {
        var deletions: [OpaquePointer?] = names.map { rd_kafka_DeleteTopic_new($0) }
        defer { deletions.forEach { rd_kafka_DeleteTopic_destroy($0) } }
        let event = try request("delete topics", timeout: timeout) { options, queue in
            rd_kafka_DeleteTopics(client.handle, &deletions, deletions.count, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        let results = rd_kafka_DeleteTopics_result_topics(rd_kafka_event_DeleteTopics_result(event), &count)
        try Self.checkTopicResults(results, count, "delete topic", ignoring: ifExists ? .unknownTopicOrPartition : nil)
    }

    /// The configuration entries of a topic as the broker reports them.
    public func describeTopicConfigs(_ topic: String, timeout: Duration = .seconds(30)) throws(KafkaError) -> [String:
        String]
    {
        var resources: [OpaquePointer?] = [rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, topic)]
        defer { rd_kafka_ConfigResource_destroy(resources[0]) }
        let event = try request("describe configs of '\(topic)'", timeout: timeout) { options, queue in
            rd_kafka_DescribeConfigs(client.handle, &resources, 1, options, queue)
        }
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard
            let described = rd_kafka_DescribeConfigs_result_resources(
                rd_kafka_event_DescribeConfigs_result(event), &count),
            count == 1, let resource = described[0]
        else { throw .client(operation: "describe configs of '\(topic)'", reason: "the broker returned no resource") }
        let err = rd_kafka_ConfigResource_error(resource)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let code = KafkaErrorCode(err)
            let reason = rd_kafka_ConfigResource_error_string(resource).map { String(cString: $0) } ?? code.message
            if code == .unknownTopicOrPartition { throw .unknownTopic(topic: topic, reason: reason) }
            throw .request(operation: "describe configs of '\(topic)'", code: code, reason: reason)
        }
        var entryCount = 0
        let entries = rd_kafka_ConfigResource_configs(resource, &entryCount)
        var configs: [String: String] = [:]
        for i in 0..<entryCount {
            guard let entry = entries?[i], let value = rd_kafka_ConfigEntry_value(entry) else { continue }
            configs[String(cString: rd_kafka_ConfigEntry_name(entry))] = String(cString: value)
        }
        return configs
    }

    /// Brokers and topics of the cluster (all topics, or just `topic`).
    public func metadata(topic: String? = nil, timeout: Duration = .seconds(10)) throws(KafkaError)
        -> KafkaClusterMetadata
    {
        try KafkaClusterMetadata.fetch(client: client, topic: topic, timeout: timeout)
    }

    // MARK: - Private

    /// Sends one admin request and waits for its result event (owned by the caller).
    private func request(
        _ operation: String, timeout: Duration, _ send: (OpaquePointer?, OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        let queue = rd_kafka_queue_new(client.handle)
        defer { rd_kafka_queue_destroy(queue) }
        let options = rd_kafka_AdminOptions_new(client.handle, RD_KAFKA_ADMIN_OP_ANY)
        defer { rd_kafka_AdminOptions_destroy(options) }
        var errstr = CErrorBuffer()
        rd_kafka_AdminOptions_set_request_timeout(options, timeout.milliseconds, &errstr.bytes, errstr.count)
        rd_kafka_AdminOptions_set_operation_timeout(options, timeout.milliseconds, &errstr.bytes, errstr.count)
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, timeout.milliseconds + 1000) else {
            throw client.explainTimeout(operation)
        }
        let err = rd_kafka_event_error(event)
        if err != RD_KAFKA_RESP_ERR_NO_ERROR {
            let reason = rd_kafka_event_error_string(event).map { String(cString: $0) } ?? KafkaErrorCode(err).message
            rd_kafka_event_destroy(event)
            if err == RD_KAFKA_RESP_ERR__TIMED_OUT || err == RD_KAFKA_RESP_ERR__TRANSPORT {
                let explained = client.explainTimeout(operation)
                if case .unreachable = explained { throw explained }
            }
            throw .request(operation: operation, code: KafkaErrorCode(err), reason: reason)
        }
        return event
    }

    private static func checkTopicResults(
        _ results: UnsafeMutablePointer<OpaquePointer?>?, _ count: Int, _ operation: String,
        ignoring ignored: KafkaErrorCode?
    ) throws(KafkaError) {
        for i in 0..<count {
            guard let result = results?[i] else { continue }
            let err = rd_kafka_topic_result_error(result)
            let code = KafkaErrorCode(err)
            guard err != RD_KAFKA_RESP_ERR_NO_ERROR, code != ignored else { continue }
            let name = String(cString: rd_kafka_topic_result_name(result))
            let reason = rd_kafka_topic_result_error_string(result).map { String(cString: $0) } ?? code.message
            throw .request(operation: "\(operation) '\(name)'", code: code, reason: reason)
        }
    }
}
