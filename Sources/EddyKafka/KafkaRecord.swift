import CRdKafka

/// A record header. As in Kafka, a header value may be null and keys may repeat.
public struct KafkaHeader: Hashable, Sendable {
    public var key: String
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    public init(key: String, string: String) {
        self.init(key: key, value: Array(string.utf8))
    }
}

/// A record read from Kafka, owning copies of its bytes.
///
/// For the processing hot path use ``KafkaConsumer/poll(maxRecords:timeout:_:)`` with a
/// ``KafkaRecordView`` instead: it borrows librdkafka's buffers and copies nothing.
public struct KafkaConsumerRecord: Hashable, Sendable {
    public var topic: String
    public var partition: Int32
    public var offset: Int64
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch (create or log-append time), or -1 when unknown.
    public var timestamp: Int64

    public init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: Int64 = -1
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    /// The key decoded as UTF-8, for display and tests.
    public var keyString: String? { key.map { String(decoding: $0, as: UTF8.self) } }
    /// The value decoded as UTF-8, for display and tests.
    public var valueString: String? { value.map { String(decoding: $0, as: UTF8.self) } }
}

/// A record to write to Kafka.
public struct KafkaProducerRecord: Sendable {
    public var topic: String
    /// The target partition, or `nil` to let the configured partitioner choose from the key.
    public var partition: Int32?
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch, or `nil` for the current time.
    public var timestamp: Int64?

    public init(
        topic: String, partition: Int32? = nil, key: [UInt8]? = nil, value: [UInt8]?,
        headers: [KafkaHeader] = [], timestamp: Int64? = nil
    ) {
        self.topic = topic
        self.partition = partition
        self.key = key
        self.value = value
        self.headers = headers
        self.timestamp = timestamp
    }

    public init(topic: String, partition: Int32? = nil, key: String?, value: String?, headers: [KafkaHeader] = []) {
        self.init(
            topic: topic, partition: partition, key: key.map { Array($0.utf8) },
            value: value.map { Array($0.utf8) }, headers: headers)
    }
}

/// The outcome of producing one record, reported from ``KafkaProducer/poll(timeout:)`` or
/// ``KafkaProducer/flush(timeout:)`` on the calling thread.
public struct KafkaDeliveryReport: Sendable {
    public var topic: String
    public var partition: Int32
    /// The offset the record was written at, or -1 when delivery failed.
    public var offset: Int64
    /// `nil` when the record was written.
    public var error: KafkaError?
    /// The tag the record was sent with (0 when none): lets the sender recognise the records
    /// it cares about without comparing topic names.
    public var tag: UInt = 0
}

/// Which delivery reports a ``KafkaProducer`` hands to its `onDelivery` callback.
public enum KafkaDeliveryReports: Sendable {
    /// Every record's.
    case all
    /// Failures, and successes of records sent with a non-zero tag: a producer whose sender
    /// needs the offsets of a few records (changelog writes) skips a callback per record.
    case failuresAndTagged
}

/// A topic the producer writes to, resolved once: producing through it skips the lookup of
/// the topic by name that every record would otherwise pay inside librdkafka.
public struct KafkaProducerTopic: @unchecked Sendable, Hashable {
    let handle: OpaquePointer

    /// The topic's name.
    public var name: String { String(cString: rd_kafka_topic_name(handle)) }
}
