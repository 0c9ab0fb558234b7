import EddyKafka
import EddyTestSupport
import Testing

@Suite struct ProduceConsumeTests {
    @Test func recordsRoundTripWithKeysHeadersPartitionsAndOrder() throws {
        let cluster = try KafkaMockCluster(brokers: 3)
        let topic = uniqueName("roundtrip")
        try cluster.createTopic(topic, partitions: 6)

        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        var sent: [KafkaProducerRecord] = []
        for i in 0..<600 {
            let record = KafkaProducerRecord(
                topic: topic, partition: Int32(i % 6), key: "key-\(i)", value: "value-\(i)",
                headers: [KafkaHeader(key: "seq", string: "\(i)"), KafkaHeader(key: "nullable", value: nil)])
            try producer.send(record)
            sent.append(record)
        }
        try producer.flush(timeout: .seconds(30))

        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        try consumer.assign(
            (0..<6).map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        let received = try consumer.poll(until: sent.count)

        #expect(received.count == 600)
        for partition in Int32(0)..<6 {
            let got = received.filter { $0.partition == partition }
            let expected = sent.filter { $0.partition == partition }
            #expect(got.map(\.offset) == Array(0..<100))
            #expect(got.map(\.keyString) == expected.map { $0.key.map { String(decoding: $0, as: UTF8.self) } })
            #expect(got.map(\.valueString) == expected.map { $0.value.map { String(decoding: $0, as: UTF8.self) } })
            #expect(got.map(\.headers) == expected.map(\.headers))
        }
    }

    @Test func deliveryReportsCarryPartitionAndOffset() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("reports")
        try cluster.createTopic(topic, partitions: 2)
        let reports = Observed<[String]>([])
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers]) { report in
            reports.update { $0.append("\(report.topic)/\(report.partition)/\(report.offset)/\(report.error == nil)") }
        }
        for i in 0..<4 {
            try producer.send(KafkaProducerRecord(topic: topic, partition: Int32(i % 2), key: nil, value: "v\(i)"))
        }
        try producer.flush(timeout: .seconds(10))
        #expect(
            reports.value.sorted() == [
                "\(topic)/0/0/true", "\(topic)/0/1/true", "\(topic)/1/0/true", "\(topic)/1/1/true",
            ])
    }

    @Test func pauseStopsDeliveryAndSeekRewinds() throws {
        let cluster = try KafkaMockCluster()
        let topic = uniqueName("seek")
        try cluster.createTopic(topic, partitions: 1)
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        for i in 0..<10 { try producer.send(KafkaProducerRecord(topic: topic, partition: 0, key: nil, value: "v\(i)")) }
        try producer.flush(timeout: .seconds(10))

        let consumer = try KafkaConsumer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        let tp = KafkaTopicPartition(topic: topic, partition: 0)
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
        var values: [String] = []
        while values.count < 10 {
            values += try consumer.poll(maxRecords: 10, timeout: .seconds(1)).compactMap(\.valueString)
        }
        #expect(values == (0..<10).map { "v\($0)" })
        #expect(try consumer.position([tp]).map(\.offset) == [10])

        try consumer.seek([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: 7)])
        try consumer.pause([tp])
        #expect(try consumer.poll(maxRecords: 10, timeout: .milliseconds(300)).isEmpty)
        try consumer.resume([tp])
        var rewound: [String] = []
        while rewound.count < 3 {
            rewound += try consumer.poll(maxRecords: 10, timeout: .seconds(1)).compactMap(\.valueString)
        }
        #expect(rewound == ["v7", "v8", "v9"])
    }
}
