/// One partition of one topic.
public struct KafkaTopicPartition: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32

    public init(topic: String, partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    public var description: String { "\(topic)-\(partition)" }

    public static func < (a: Self, b: Self) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }
}

/// A position in a partition. As in Kafka, a committed offset is the offset of the *next*
/// record to read, not of the last record read.
public struct KafkaTopicPartitionOffset: Hashable, Sendable, CustomStringConvertible {
    public var topic: String
    public var partition: Int32
    public var offset: Int64

    public init(topic: String, partition: Int32, offset: Int64) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
    }

    public var topicPartition: KafkaTopicPartition { .init(topic: topic, partition: partition) }

    public var description: String { "\(topic)-\(partition)@\(KafkaOffset.describe(offset))" }
}

/// librdkafka's logical offsets.
public enum KafkaOffset {
    /// The oldest record still in the partition.
    public static let beginning: Int64 = -2
    /// The next record to be written.
    public static let end: Int64 = -1
    /// The committed offset, falling back to `auto.offset.reset`.
    public static let stored: Int64 = -1000
    /// No offset is known (for example, nothing committed yet).
    public static let invalid: Int64 = -1001

    static func describe(_ offset: Int64) -> String {
        switch offset {
        case beginning: return "beginning"
        case end: return "end"
        case stored: return "stored"
        case invalid: return "none"
        default: return String(offset)
        }
    }
}
