import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Joins through a real worker, a real broker and RocksDB: a stream–table and a
/// stream–stream join declared in the application file (joined by the JSON merge), and a
/// stream–table join a plugin's DSL topology exports. One worker, one partition per topic.
/// Table and stream records are produced one after the other while the worker runs; the
/// task takes them in timestamp order (`TimeOrderedInputTests`), and `max.task.idle.ms`
/// lets it wait for table records produced a moment after the stream records it has.
@Suite struct JoinTests {
    @Test func appFileStreamTableLeftJoinEnrichesClicksWithTheCurrentUser() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "users-seen", "enriched"] { try cluster.createTopic(topic, partitions: 1) }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("join-st"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50\nmax.task.idle.ms: 500",
                topology: """
                    sources:
                      - {name: clicks, topics: [clicks], value.serde: json}
                    tables:
                      - {name: users, topic: users, value.serde: json}
                    processors:
                      - {name: enriched, type: join, join: left, inputs: [clicks, users]}
                    sinks:
                      - {name: seen, topic: users-seen, inputs: [users], value.serde: json}
                      - {name: out, topic: enriched, inputs: [enriched], value.serde: json}
                    """),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) {
            try cluster.produce(
                "users", timed: [(0, "u1", #"{"name":"Ada"}"#, 1000), (0, "u2", #"{"name":"Grace"}"#, 1000)])
            try cluster.produce(
                "clicks",
                timed: [
                    (0, "u2", #"{"page":"a"}"#, 2000), (0, "u1", #"{"page":"b"}"#, 2001),
                    (0, "u3", #"{"page":"c"}"#, 2002),
                ])
            try cluster.produce("users", timed: [(0, "u1", #"{"name":"Ada L"}"#, 3000)])
            try cluster.produce("clicks", timed: [(0, "u1", #"{"page":"d"}"#, 4000)])
            output = try cluster.read("enriched", count: 4)
            #expect(try cluster.read("users-seen", count: 3).count == 3)
        }
        #expect(
            output.map(render) == [
                #"u2 {"left":{"page":"a"},"right":{"name":"Grace"}}"#,
                #"u1 {"left":{"page":"b"},"right":{"name":"Ada"}}"#,
                #"u3 {"left":{"page":"c"},"right":null}"#, #"u1 {"left":{"page":"d"},"right":{"name":"Ada L"}}"#,
            ])
    }

    @Test func appFileStreamStreamInnerJoinPairsTheReferenceScenarioWithinItsWindow() throws {
        let cluster = try Cluster()
        for topic in ["left", "right", "pairs"] { try cluster.createTopic(topic, partitions: 1) }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("join-ss"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50",
                topology: """
                    sources:
                      - {name: left, topics: [left], value.serde: json}
                      - {name: right, topics: [right], value.serde: json}
                    processors:
                      - {name: pairs, type: join, inputs: [left, right], window: {difference.ms: 15}}
                    sinks:
                      - {name: out, topic: pairs, inputs: [pairs], value.serde: json}
                    """),
            file: "app.yaml")
        // Kafka Streams' join-semantics scenario (null values are dropped); all records lie
        // within one window, so the pairs do not depend on which topic is processed first.
        let left: [(String?, Int64)] = [(nil, 1), ("A", 3), ("B", 5), (nil, 7), ("C", 9), (nil, 12), ("D", 15)]
        let right: [(String?, Int64)] = [
            (nil, 2), ("a", 4), ("b", 6), (nil, 8), ("c", 10), (nil, 11), (nil, 13), ("d", 14),
        ]
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) {
            try produce(cluster, "left", left)
            try produce(cluster, "right", right)
            output = try cluster.read("pairs", count: 16)
        }
        let expected =
            ["A", "B", "C"].flatMap { l in ["a", "b", "c", "d"].map { r in (l, r) } }
            .map { l, r -> String in
                let time = max(left.first { $0.0 == l }!.1, right.first { $0.0 == r }!.1)
                return "k {\"left\":\"\(l)\",\"right\":\"\(r)\"} @\(time)"
            } + ["a", "b", "c", "d"].map { "k {\"left\":\"D\",\"right\":\"\($0)\"} @15" }
        #expect(output.map { "\(render($0)) @\($0.timestamp)" }.sorted() == expected.sorted())
    }

    @Test func pluginDSLStreamTableJoinRunsInTheWorker() throws {
        let cluster = try Cluster()
        for topic in ["orders", "customers", "customers-seen", "customer-orders"] {
            try cluster.createTopic(topic, partitions: 1)
        }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("join-dsl"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50\nmax.task.idle.ms: 500",
                topology: "plugin: Orders"),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) {
            try cluster.produce("customers", timed: [(0, "c1", "Ada", 1000), (0, "c2", "Grace", 1000)])
            try cluster.produce(
                "orders", timed: [(0, "c1", "tea", 2000), (0, "c9", "jam", 2001), (0, "c2", "cake", 2002)])
            output = try cluster.read("customer-orders", count: 3)
        }
        #expect(output.map(render) == ["c1 tea for Ada", "c9 jam for an unknown customer", "c2 cake for Grace"])
    }

    // MARK: - Helpers

    private func render(_ record: KafkaConsumerRecord) -> String {
        "\(String(decoding: record.key ?? [], as: UTF8.self)) \(String(decoding: record.value ?? [], as: UTF8.self))"
    }

    /// Produces JSON string values (nil: a null value) under key `k` with the given timestamps.
    private func produce(_ cluster: Cluster, _ topic: String, _ records: [(String?, Int64)]) throws {
        let producer = try KafkaProducer(configuration: cluster.configuration)
        for (value, time) in records {
            try producer.send(
                KafkaProducerRecord(
                    topic: topic, partition: 0, key: Array("k".utf8), value: value.map { Array("\"\($0)\"".utf8) },
                    timestamp: time))
        }
        try producer.flush(timeout: .seconds(30))
    }
}
