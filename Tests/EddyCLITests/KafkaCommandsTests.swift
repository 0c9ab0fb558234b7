import EddyKafka
import EddyTestSupport
import Foundation
import Testing

/// `eddy produce` and `eddy consume` as a user runs them, against librdkafka's mock cluster
/// listening on loopback in this test process.
@Suite struct KafkaCommandsTests {
    func topic(_ cluster: KafkaMockCluster, partitions: Int32) throws -> String {
        let name = "cli-\(UUID().uuidString.prefix(8).lowercased())"
        try cluster.createTopic(name, partitions: partitions)
        return name
    }

    @Test func versionNamesEveryComponent() throws {
        let result = try ProcessRunner.eddy(["version"])
        #expect(result.status == 0)
        let lines = result.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains("librdkafka \(KafkaVersion.librdkafka)"))
        #expect(lines.first?.hasPrefix("eddy ") == true)
        #expect(lines.contains { $0.hasPrefix("swift 6.") })
    }

    @Test func tabKeyedLinesWithHeadersRoundTripAsJSON() throws {
        let cluster = try KafkaMockCluster()
        let topic = try topic(cluster, partitions: 1)
        let produced = try ProcessRunner.eddy(
            ["produce", topic, "-b", cluster.bootstrapServers, "--tab-key", "--header", "source=cli"],
            input: "alice\thello\nbob\tworld\n\nnokey-line\n")
        #expect(produced.status == 0, "\(produced.stderr)")
        #expect(produced.stdout == "produced 3 records to \(topic)\n")

        let consumed = try ProcessRunner.eddy(
            ["consume", topic, "-b", cluster.bootstrapServers, "--from-beginning", "--max", "3", "--format", "json"])
        #expect(consumed.status == 0, "\(consumed.stderr)")
        let records = try consumed.stdout.split(separator: "\n").map { line in
            try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
        }
        #expect(records.map { $0["key"] as? String } == ["alice", "bob", nil])
        #expect(records.map { $0["value"] as? String } == ["hello", "world", "nokey-line"])
        #expect(records.map { $0["offset"] as? Int } == [0, 1, 2])
        #expect(records.allSatisfy { ($0["headers"] as? [[String]]) == [["source", "cli"]] })
    }

    @Test func windowedKeysPrintWithTheirWindows() throws {
        let cluster = try KafkaMockCluster()
        let topic = try topic(cluster, partitions: 1)
        func bigEndian(_ value: Int64) -> [UInt8] { withUnsafeBytes(of: value.bigEndian) { Array($0) } }
        let producer = try KafkaProducer(configuration: ["bootstrap.servers": cluster.bootstrapServers])
        // A time window's key (key + start) and a session's (key + end + start), as Kafka Streams writes them.
        try producer.send(
            KafkaProducerRecord(topic: topic, key: Array("alice".utf8) + bigEndian(60_000), value: bigEndian(3)))
        try producer.send(
            KafkaProducerRecord(
                topic: topic, key: Array("bob".utf8) + bigEndian(2_500) + bigEndian(1_000), value: bigEndian(2)))
        try producer.flush(timeout: .seconds(30))
        func consume(_ options: [String]) throws -> [String] {
            let consumed = try ProcessRunner.eddy(
                [
                    "consume", topic, "-b", cluster.bootstrapServers, "--from-beginning", "--max", "2", "--format",
                    "key-value", "--value-serde", "i64",
                ]
                    + options)
            #expect(consumed.status == 0, "\(consumed.stderr)")
            return consumed.stdout.split(separator: "\n").map(String.init)
        }
        #expect(
            try consume(["--key-serde", "windowed", "--window-size-ms", "60000"]).first == "alice@[60000,120000)\t3")
        #expect(try consume(["--key-serde", "windowed"]).first == "alice@60000\t3")
        #expect(try consume(["--key-serde", "session"]).last == "bob@[1000,2500]\t2")
    }

    /// `--to-end` prints what every partition holds now and exits, an empty partition
    /// included: what a script reading "the whole output" needs.
    @Test func consumeToEndStopsAtTheEndOfEveryPartition() throws {
        let cluster = try KafkaMockCluster()
        let topic = try topic(cluster, partitions: 3)
        let produced = try ProcessRunner.eddy(
            ["produce", topic, "-b", cluster.bootstrapServers, "--partition", "1"], input: "a\nb\nc\n")
        #expect(produced.status == 0, "\(produced.stderr)")

        let consumed = try ProcessRunner.eddy([
            "consume", topic, "-b", cluster.bootstrapServers, "--from-beginning", "--to-end",
        ])
        #expect(consumed.status == 0, "\(consumed.stderr)")
        #expect(consumed.stdout == "a\nb\nc\n")

        let refused = try ProcessRunner.eddy([
            "consume", topic, "-b", cluster.bootstrapServers, "--to-end", "--group", "g",
        ])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("--to-end reads the partitions directly"))
    }

    @Test func keyFieldKeysEachJSONLine() throws {
        let cluster = try KafkaMockCluster()
        let topic = try topic(cluster, partitions: 3)
        let lines = (0..<30).map { #"{"user":"u\#($0 % 5)","n":\#($0)}"# }
        let produced = try ProcessRunner.eddy(
            ["produce", topic, "-b", cluster.bootstrapServers, "--key-field", "user"],
            input: lines.joined(separator: "\n"))
        #expect(produced.status == 0, "\(produced.stderr)")

        let consumed = try ProcessRunner.eddy(
            [
                "consume", topic, "-b", cluster.bootstrapServers, "--from-beginning", "--max", "30", "--format",
                "key-value",
            ])
        #expect(consumed.status == 0, "\(consumed.stderr)")
        let pairs = consumed.stdout.split(separator: "\n").map {
            $0.split(separator: "\t", maxSplits: 1).map(String.init)
        }
        #expect(pairs.count == 30)
        #expect(
            Set(pairs.map { [$0[0], $0[1]] }) == Set(lines.enumerated().map { ["u\($0.offset % 5)", $0.element] }))
    }

    @Test func badInputIsRefusedWithTheKeyAndTheFix() throws {
        let cluster = try KafkaMockCluster()
        let unknownKey = try ProcessRunner.eddy(["produce", "t", "-b", cluster.bootstrapServers, "-X", "linger.msec=5"])
        #expect(unknownKey.status != 0)
        #expect(unknownKey.stderr.contains("invalid Kafka configuration 'linger.msec': No such configuration property"))

        let badBootstrap = try ProcessRunner.eddy(["consume", "t", "-b", "localhost"])
        #expect(badBootstrap.status != 0)
        #expect(badBootstrap.stderr.contains("'localhost' is not host:port"))

        let notJSON = try ProcessRunner.eddy(
            ["produce", "t", "-b", cluster.bootstrapServers, "--key-field", "user"], input: "{\"user\":1}\nplain text\n"
        )
        #expect(notJSON.status != 0)
        #expect(notJSON.stderr.contains("stdin:2: not a JSON object, but --key-field expects one per line"))

        let missingTopic = "absent-\(UUID().uuidString.prefix(8).lowercased())"
        cluster.setTopicError(missingTopic, .unknownTopicOrPartition)
        let produceMissing = try ProcessRunner.eddy(
            [
                "produce", missingTopic, "-b", cluster.bootstrapServers, "-X", "topic.metadata.propagation.max.ms=500",
                "-X", "message.timeout.ms=3000",
            ], input: "x\n")
        #expect(produceMissing.status != 0)
        #expect(produceMissing.stderr.contains("1 of 1 records were not written"))
        #expect(produceMissing.stderr.contains("eddy topic create \(missingTopic)"))
    }
}
