import EddyKafka
import EddyTestSupport
import Testing

/// The consumer skips librdkafka's header parsing for records without headers once it has
/// verified the record layout: headers must stay exact for every mix of records after that.
@Suite struct HeaderlessRecordTests {
    @Test func headersStayExactPastTheVerifiedRecords() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("headerless")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        // Past the first 1,000 (verified) records, every shape: no headers, headers, an empty
        // value, a null value (a tombstone), with and without headers.
        var sent: [KafkaProducerRecord] = []
        for i in 0..<3_000 {
            let headers =
                i % 3 == 1 ? [KafkaHeader(key: "h", string: "\(i)"), KafkaHeader(key: "null", value: nil)] : []
            let value: [UInt8]? =
                switch i % 5 {
                case 0: nil
                case 1: []
                default: Array("value-\(i)".utf8)
                }
            let record = KafkaProducerRecord(
                topic: topic, partition: 0, key: Array("k\(i)".utf8), value: value, headers: headers)
            try producer.send(record)
            sent.append(record)
        }
        try producer.flush(timeout: .seconds(30))

        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
        let received = try consumer.poll(until: sent.count)
        #expect(received.count == sent.count)
        #expect(received.map(\.headers) == sent.map(\.headers))
        #expect(received.map(\.value) == sent.map(\.value))
    }

    @Test func onlyFailuresAndTaggedRecordsAreReportedWhenAskedSo() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("tagged")
        try cluster.createTopic(topic, partitions: 1)
        let reports = Observed<[String]>([])
        let producer = try KafkaProducer(
            configuration: ["bootstrap.servers": cluster.bootstrapServers], deliveryReports: .failuresAndTagged
        ) { report in
            reports.update { $0.append("\(report.topic)/\(report.offset)/tag \(report.tag)") }
        }
        let handle = try producer.topic(named: topic)
        for i in 0..<6 {
            try Array("v\(i)".utf8).withUnsafeBytes { value in
                try producer.send(to: handle, partition: 0, key: nil, value: value, tag: i % 3 == 0 ? UInt(10 + i) : 0)
            }
        }
        try producer.flush(timeout: .seconds(10))
        #expect(reports.value == ["\(topic)/0/tag 10", "\(topic)/3/tag 13"])
    }
}
