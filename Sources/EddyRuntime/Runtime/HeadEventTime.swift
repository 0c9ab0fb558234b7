import EddyEngine
import EddyKafka
import EddySDK

/// How a task that orders its input by event time (``PartitionGroup``) takes the event time
/// of one input partition's buffered records, once per record, when the group first looks at
/// it (as Kafka Streams' `RecordQueue` extracts a record's timestamp when it becomes the head):
/// the source's `timestamp.field`, its plugin timestamp extractor, or the Kafka timestamp. The
/// group orders by that time and hands it to the task with the record, which takes it as the
/// record's event time: the JSON field is not indexed, nor the extractor called, a second time.
///
/// A record whose time cannot be taken (no such field; the extractor rejects it or gives no
/// time or a negative one) is ordered by its Kafka timestamp and given `-1`: the task then
/// takes its event time as it does for any record, and reports the failure.
///
/// Owned by a partition group, used by its stream thread only.
final class HeadEventTime {
    enum Source {
        /// The Kafka timestamp.
        case record
        /// The numeric field of the JSON value (`timestamp.field`).
        case field(String)
        /// The source node's plugin timestamp extractor, and the topic name records show it.
        case extractor(SourceNode, topic: PermanentText)
    }

    let source: Source
    /// Scratch space for indexing a JSON value.
    private var members: [JSONScanner.IndexedMember] = []
    /// The record the extractor sees, with its headers, reused from record to record.
    private let probe = RunBuffer()

    init(_ source: Source) {
        self.source = source
    }

    /// The event time of `record`, or -1 when it cannot be taken here.
    func eventTime(of record: borrowing KafkaRecordView) throws -> Int64 {
        switch source {
        case .record:
            return record.timestamp
        case .field(let field):
            guard let value = record.value, JSONScanner.index(value, into: &members) != nil,
                let range = JSONScanner.find(field, in: members, of: value)
            else { return -1 }
            switch try? JSONScanner.value(value, range) {
            case .integer(let time)? where time >= 0: return time
            case .number(let time)? where time >= 0: return Int64(time)
            default: return -1
            }
        case .extractor(let node, let topic):
            defer { probe.reset() }
            probe.append(
                eddy_record(
                    struct_size: recordStructSize, key: eddy_bytes(record.key), value: eddy_bytes(record.value),
                    timestamp: record.timestamp, topic: topic.slice, partition: record.partition,
                    offset: record.offset, headers: nil, header_count: 0),
                headers: record.headers.map { ($0.key, $0.value) }, origin: 0)
            return try node.extractedTime(of: probe.run.records) ?? -1
        }
    }
}
