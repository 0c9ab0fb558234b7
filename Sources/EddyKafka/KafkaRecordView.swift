import CRdKafka

/// A record borrowed from librdkafka for the duration of one visitor call: no copy, no
/// allocation. Copy what must outlive the call (``toRecord()`` copies everything).
///
/// Never keep a view (or the buffers it hands out) past the visitor call that received it.
public struct KafkaRecordView {
    let message: UnsafeMutablePointer<rd_kafka_message_t>
    /// Whether ``headers`` may trust ``HeaderlessLayout`` (the consumer verified it).
    let trustsLayout: Bool

    init(_ message: UnsafeMutablePointer<rd_kafka_message_t>, trustsLayout: Bool = false) {
        self.message = message
        self.trustsLayout = trustsLayout
    }

    public var partition: Int32 { message.pointee.partition }
    public var offset: Int64 { message.pointee.offset }

    /// The topic name (allocates a `String`; compare with ``topicHandle`` on hot paths).
    public var topic: String { String(cString: rd_kafka_topic_name(message.pointee.rkt)) }

    /// librdkafka's topic handle: stable for the client's lifetime, cheap to compare.
    public var topicHandle: OpaquePointer { message.pointee.rkt }

    /// The name of the topic behind a ``topicHandle``.
    public static func topicName(of handle: OpaquePointer) -> String { String(cString: rd_kafka_topic_name(handle)) }

    /// The key bytes, or `nil` for a null key.
    public var key: UnsafeRawBufferPointer? {
        message.pointee.key.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.key_len) }
    }

    /// The value bytes, or `nil` for a null value (a tombstone).
    public var value: UnsafeRawBufferPointer? {
        message.pointee.payload.map { UnsafeRawBufferPointer(start: $0, count: message.pointee.len) }
    }

    /// Milliseconds since the Unix epoch, or -1 when the record has no timestamp.
    public var timestamp: Int64 {
        var type = RD_KAFKA_TIMESTAMP_NOT_AVAILABLE
        return rd_kafka_message_timestamp(message, &type)
    }

    /// The record's headers, copied.
    public var headers: [KafkaHeader] {
        if trustsLayout, HeaderlessLayout.saysNone(message) { return [] }
        var hdrs: OpaquePointer?
        guard rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return [] }
        var result: [KafkaHeader] = []
        var name: UnsafePointer<CChar>?
        var value: UnsafeRawPointer?
        var size = 0
        var index = 0
        while rd_kafka_header_get_all(hdrs, index, &name, &value, &size) == RD_KAFKA_RESP_ERR_NO_ERROR {
            let bytes = value.map { Array(UnsafeRawBufferPointer(start: $0, count: size)) }
            result.append(KafkaHeader(key: String(cString: name!), value: bytes))
            index += 1
        }
        return result
    }

    /// Copies the record out of librdkafka's buffers.
    public func toRecord() -> KafkaConsumerRecord {
        KafkaConsumerRecord(
            topic: topic, partition: partition, offset: offset, key: key.map { Array($0) },
            value: value.map { Array($0) }, headers: headers, timestamp: timestamp)
    }
}

/// Tells, without asking librdkafka, that a consumed record has no headers.
///
/// librdkafka parses a record's headers on first access, and for a record without any it
/// still allocates and frees an empty header list: measured at about a tenth of a
/// pass-through's stream thread. In the v2 record format the header count (a varint) is the
/// byte right after the value, and librdkafka hands out the value in place in the fetched
/// (or decompressed) batch, so a zero there means no headers. That layout is librdkafka's,
/// not a promise, so a consumer trusts it only after ``verify(_:)`` has confirmed it on its
/// first records, and a null value (no bytes to look past) always asks librdkafka.
enum HeaderlessLayout {
    /// Records a consumer checks against librdkafka before trusting the layout.
    static let verifiedRecords = 1_000

    /// Whether the byte after the value says "no headers".
    static func saysNone(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> Bool {
        guard let payload = message.pointee.payload else { return false }
        return payload.load(fromByteOffset: message.pointee.len, as: UInt8.self) == 0
    }

    /// Whether librdkafka agrees with ``saysNone(_:)`` for this record.
    static func verify(_ message: UnsafeMutablePointer<rd_kafka_message_t>) -> Bool {
        guard saysNone(message) else { return true }
        var hdrs: OpaquePointer?
        guard rd_kafka_message_headers(message, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR, let hdrs else { return true }
        return rd_kafka_header_cnt(hdrs) == 0
    }
}

/// Consecutive records of one topic-partition, borrowed from librdkafka for the duration of
/// one visitor call (see ``KafkaConsumer/pollRuns(maxRecords:timeout:_:)``).
public struct KafkaRecordRun {
    let messages: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>
    /// How many records the run holds (at least one).
    public let count: Int
    let trustsLayout: Bool

    init(messages: UnsafeMutablePointer<UnsafeMutablePointer<rd_kafka_message_t>?>, count: Int, trustsLayout: Bool) {
        self.messages = messages
        self.count = count
        self.trustsLayout = trustsLayout
    }

    /// Record `index` of the run.
    public subscript(index: Int) -> KafkaRecordView {
        KafkaRecordView(messages[index]!, trustsLayout: trustsLayout)
    }

    /// The topic handle the run's records share (compare it, as ``KafkaRecordView/topicHandle``).
    public var topicHandle: OpaquePointer { messages[0]!.pointee.rkt }

    /// The partition the run's records share.
    public var partition: Int32 { messages[0]!.pointee.partition }
}
