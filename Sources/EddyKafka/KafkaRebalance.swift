/// The group protocol a consumer ended up using (`partition.assignment.strategy`).
public enum KafkaRebalanceProtocol: String, Sendable {
    /// All partitions are revoked, then the whole new assignment is handed out (`range`,
    /// `roundrobin`).
    case eager = "EAGER"
    /// Only partitions that move are revoked; the rest keep being processed
    /// (`cooperative-sticky`, KIP-429).
    case cooperative = "COOPERATIVE"
    /// The consumer has not joined a group yet.
    case none = "NONE"

    /// The `partition.assignment.strategy` name of the cooperative protocol's assignor.
    static let cooperativeStickyStrategy = "cooperative-sticky"
}

/// One change to a consumer's assignment, seen synchronously inside ``KafkaConsumer/poll``.
///
/// Under the cooperative protocol the partitions are the *increment*: only what is added or
/// taken away. Under the eager protocol `assigned` carries the whole new assignment and
/// `revoked` the whole old one.
public enum KafkaRebalanceEvent: Hashable, Sendable {
    /// These partitions are now this consumer's. Restore state and seek before processing.
    case assigned([KafkaTopicPartition])
    /// These partitions are being taken away cleanly: commit their progress now.
    case revoked([KafkaTopicPartition])
    /// These partitions were taken away without a clean handover (session timed out): another
    /// member may already own them, so close their tasks without committing ("dirty").
    case lost([KafkaTopicPartition])

    /// The partitions the event is about.
    public var partitions: [KafkaTopicPartition] {
        switch self {
        case .assigned(let p), .revoked(let p), .lost(let p): p
        }
    }
}

/// Receives assignment changes. It runs on the thread that polls the consumer, inside
/// ``KafkaConsumer/poll(maxRecords:timeout:)``, before the change is applied to librdkafka:
/// a `revoked` handler may still commit offsets for the partitions it loses.
public typealias KafkaRebalanceListener = (KafkaConsumer, KafkaRebalanceEvent) -> Void
