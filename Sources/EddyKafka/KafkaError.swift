import CRdKafka

/// A librdkafka error code (`rd_kafka_resp_err_t`) with the library's own name and text.
///
/// Negative codes are client-side (`_TRANSPORT`, `_TIMED_OUT`, …); positive codes come from
/// the broker and match the Kafka protocol's error codes.
public struct KafkaErrorCode: Hashable, Sendable, CustomStringConvertible {
    /// The raw `rd_kafka_resp_err_t` value.
    public let rawValue: Int32

    public init(rawValue: Int32) { self.rawValue = rawValue }

    init(_ err: rd_kafka_resp_err_t) { self.rawValue = err.rawValue }

    /// librdkafka's symbolic name, e.g. `UNKNOWN_TOPIC_OR_PART` or `_TIMED_OUT`.
    public var name: String { String(cString: rd_kafka_err2name(rd_kafka_resp_err_t(rawValue: rawValue))) }

    /// librdkafka's human-readable description.
    public var message: String { String(cString: rd_kafka_err2str(rd_kafka_resp_err_t(rawValue: rawValue))) }

    public var description: String { name }

    public static let noError = KafkaErrorCode(RD_KAFKA_RESP_ERR_NO_ERROR)
    public static let timedOut = KafkaErrorCode(RD_KAFKA_RESP_ERR__TIMED_OUT)
    public static let queueFull = KafkaErrorCode(RD_KAFKA_RESP_ERR__QUEUE_FULL)
    public static let unknownTopicOrPartition = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART)
    public static let unknownTopic = KafkaErrorCode(RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC)
    public static let topicAlreadyExists = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS)
    public static let partitionEOF = KafkaErrorCode(RD_KAFKA_RESP_ERR__PARTITION_EOF)
    public static let producerFenced = KafkaErrorCode(RD_KAFKA_RESP_ERR_PRODUCER_FENCED)
    public static let invalidProducerEpoch = KafkaErrorCode(RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH)
    public static let fenced = KafkaErrorCode(RD_KAFKA_RESP_ERR__FENCED)
    public static let allBrokersDown = KafkaErrorCode(RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN)
    /// The operation does not fit the partition's current state (e.g. a seek before its fetcher started).
    public static let state = KafkaErrorCode(RD_KAFKA_RESP_ERR__STATE)
    /// A record larger than the producer's `message.max.bytes` or the topic's limit.
    public static let msgSizeTooLarge = KafkaErrorCode(RD_KAFKA_RESP_ERR_MSG_SIZE_TOO_LARGE)
    /// The group is rebalancing: an offset commit raced the rebalance.
    public static let rebalanceInProgress = KafkaErrorCode(RD_KAFKA_RESP_ERR_REBALANCE_IN_PROGRESS)
    /// The generation sent with a commit is not the group's: the member missed a rebalance.
    public static let illegalGeneration = KafkaErrorCode(RD_KAFKA_RESP_ERR_ILLEGAL_GENERATION)
    /// The member id sent is not in the group: its session expired, or it left.
    public static let unknownMemberId = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNKNOWN_MEMBER_ID)
    /// Another member joined with this member's `group.instance.id` and replaced it.
    public static let fencedInstanceId = KafkaErrorCode(RD_KAFKA_RESP_ERR_FENCED_INSTANCE_ID)
    /// A stable committed offset was asked for while a transaction has one pending (KIP-447).
    public static let unstableOffsetCommit = KafkaErrorCode(RD_KAFKA_RESP_ERR_UNSTABLE_OFFSET_COMMIT)
    /// The group or transaction coordinator is still loading its state: retry.
    public static let coordinatorLoadInProgress = KafkaErrorCode(RD_KAFKA_RESP_ERR_COORDINATOR_LOAD_IN_PROGRESS)
    /// No coordinator answers for the group or transactional id yet: retry.
    public static let coordinatorNotAvailable = KafkaErrorCode(RD_KAFKA_RESP_ERR_COORDINATOR_NOT_AVAILABLE)
    /// Another transactional operation of this producer is still in progress: retry.
    public static let concurrentTransactions = KafkaErrorCode(RD_KAFKA_RESP_ERR_CONCURRENT_TRANSACTIONS)
    /// The principal may not write the topic.
    public static let topicAuthorizationFailed = KafkaErrorCode(RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED)
    /// The principal may not use the `transactional.id`.
    public static let transactionalIdAuthorizationFailed = KafkaErrorCode(
        RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED)
}

/// How a failed transactional operation may be recovered, exactly as librdkafka classifies it.
public enum KafkaTransactionErrorKind: String, Sendable, Equatable {
    /// Try the same call again (`rd_kafka_error_is_retriable`).
    case retriable
    /// Abort the current transaction, rewind, and carry on (`rd_kafka_error_txn_requires_abort`).
    case abortable
    /// The producer is unusable (`rd_kafka_error_is_fatal`), typically fenced by a newer
    /// instance with the same `transactional.id`: close it and create a new one.
    case fatal
}

/// A transactional-API failure with librdkafka's classification and message.
public struct KafkaTransactionError: Sendable, Equatable, CustomStringConvertible {
    /// The transactional call that failed, e.g. `commit_transaction`.
    public let operation: String
    public let kind: KafkaTransactionErrorKind
    public let code: KafkaErrorCode
    /// librdkafka's own explanation.
    public let reason: String

    /// Whether another producer with the same `transactional.id` took over (zombie fencing).
    public var isFenced: Bool {
        code == .producerFenced || code == .invalidProducerEpoch || code == .fenced
    }

    public var description: String {
        "\(operation) failed (\(kind), \(code.name)): \(reason)"
            + (isFenced ? " — another producer with the same transactional.id took over; close this producer" : "")
    }
}

/// Errors raised by EddyKafka. Each case carries librdkafka's own words and says what to do.
public enum KafkaError: Error, Sendable, Equatable, CustomStringConvertible {
    /// A configuration property was rejected: unknown key, bad value, or a missing requirement.
    case configuration(key: String, reason: String)
    /// The client could not be created or a call failed locally.
    case client(operation: String, reason: String)
    /// A request failed with a Kafka or librdkafka error code.
    case request(operation: String, code: KafkaErrorCode, reason: String)
    /// A record could not be delivered to its topic-partition.
    case delivery(topic: String, partition: Int32, code: KafkaErrorCode, reason: String)
    /// A topic does not exist (and was not auto-created).
    case unknownTopic(topic: String, reason: String)
    /// None of the bootstrap servers could be reached before the deadline.
    case unreachable(bootstrapServers: String, reason: String)
    /// A transactional call failed; see ``KafkaTransactionError/kind`` for recovery.
    case transaction(KafkaTransactionError)
    /// The producer's local queue stayed full for longer than the caller allowed.
    case queueFull(topic: String, waited: Duration)

    public var description: String {
        switch self {
        case .configuration(let key, let reason):
            return "invalid Kafka configuration '\(key)': \(reason)"
        case .client(let operation, let reason):
            return "\(operation) failed: \(reason)"
        case .request(let operation, let code, let reason):
            return "\(operation) failed (\(code.name)): \(reason)"
        case .delivery(let topic, let partition, let code, let reason):
            let part = partition >= 0 ? "\(topic) [\(partition)]" : topic
            if code == .unknownTopic || code == .unknownTopicOrPartition {
                return
                    "could not deliver to \(part): topic does not exist (\(code.name): \(reason)) — create it first, e.g. `eddy topic create \(topic)`"
            }
            return "could not deliver to \(part) (\(code.name)): \(reason)"
        case .unknownTopic(let topic, let reason):
            return "topic '\(topic)' does not exist: \(reason) — create it first, e.g. `eddy topic create \(topic)`"
        case .unreachable(let servers, let reason):
            return
                "could not reach any bootstrap server (\(servers)): \(reason) — check bootstrap.servers and that the brokers are running"
        case .transaction(let error):
            return error.description
        case .queueFull(let topic, let waited):
            return
                "producer queue for '\(topic)' stayed full for \(waited): the brokers are not keeping up or are unreachable"
        }
    }

    /// Turns a non-zero `rd_kafka_resp_err_t` into a ``request(operation:code:reason:)`` error.
    static func check(_ err: rd_kafka_resp_err_t, _ operation: String) throws(KafkaError) {
        guard err != RD_KAFKA_RESP_ERR_NO_ERROR else { return }
        let code = KafkaErrorCode(err)
        throw .request(operation: operation, code: code, reason: code.message)
    }

    /// Consumes a `rd_kafka_error_t` (destroying it) and turns it into a request error.
    static func take(_ error: OpaquePointer, _ operation: String) -> KafkaError {
        defer { rd_kafka_error_destroy(error) }
        return .request(
            operation: operation, code: KafkaErrorCode(rd_kafka_error_code(error)),
            reason: String(cString: rd_kafka_error_string(error)))
    }
}
