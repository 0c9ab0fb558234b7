import EddyEngine
import EddyKafka
import EddySDK

/// A sink: writes every record it receives to its topic through the thread's record
/// collector (inside the transaction under exactly-once). With `plugin.version.header`,
/// each output names the plugin build whose node delivered it.
final class KafkaSinkNode: GraphNode {
    let topic: KafkaProducerTopic
    let collector: RecordCollector
    /// The `eddy.plugin.version` headers of the plugin delivering now (nil: none), or nil
    /// when outputs are not stamped.
    let stamp: ((String) -> [KafkaHeader])?

    init(name: String, topic: KafkaProducerTopic, collector: RecordCollector, stamp: ((String) -> [KafkaHeader])?) {
        self.topic = topic
        self.collector = collector
        self.stamp = stamp
        super.init(name: name)
    }

    override func process(_ run: RecordRun) throws {
        let versionHeaders = stamp.flatMap { stamp in graph.deliveringPlugin.map(stamp) } ?? []
        for index in 0..<run.count {
            let record = run.records[index]
            let headers = record.header_count == 0 ? versionHeaders : Self.headers(record) + versionHeaders
            try collector.send(
                to: topic, partition: nil, key: record.key.buffer, value: record.value.buffer, headers: headers,
                timestamp: record.timestamp)
        }
    }

    override var operatorName: String { "sink" }

    /// The headers of a record, copied for the producer.
    static func headers(_ record: eddy_record) -> [KafkaHeader] {
        guard record.header_count > 0, let base = record.headers else { return [] }
        let stride = Int(base.pointee.struct_size)
        return (0..<record.header_count).map { i in
            let header = (UnsafeRawPointer(base) + i * stride).assumingMemoryBound(to: eddy_header.self).pointee
            let key =
                header.key.ptr.map {
                    String(decoding: UnsafeRawBufferPointer(start: $0, count: header.key.len), as: UTF8.self)
                } ?? ""
            return KafkaHeader(key: key, value: header.value.buffer.map { Array($0) })
        }
    }
}
