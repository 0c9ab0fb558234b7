import EddyKafka
import EddyRuntime
import EddyServer
import EddyTestSupport
import Foundation
import Logging
import Testing

/// A task that reads several partitions takes their records in timestamp order (Kafka
/// Streams' `PartitionGroup`), whatever order they were produced and fetched in, and waits for
/// an empty partition as `max.task.idle.ms` says. Each test produces in an order that differs
/// from the timestamps, so arrival order would give another output than the one asserted.
@Suite struct TimeOrderedInputTests {
    static let joinTopology = """
        sources:
          - {name: clicks, topics: [clicks], value.serde: json}
        tables:
          - {name: users, topic: users, value.serde: json}
        processors:
          - {name: enriched, type: join, join: left, inputs: [clicks, users]}
        sinks:
          - {name: out, topic: enriched, inputs: [enriched], value.serde: json}
        """

    static let mergeTopology = """
        sources:
          - {name: a, topics: [a]}
          - {name: b, topics: [b]}
        sinks:
          - {name: out, topic: merged, inputs: [a, b]}
        """

    /// All clicks are produced first, then the table updates with earlier timestamps; on
    /// partition 1 the updates sit behind 3000 other users, so that partition is fetched in
    /// several polls while the clicks are all there at once. Each click is joined with the
    /// user as of its own time.
    @Test func streamTableJoinSeesTheTableAsOfEachClicksTime() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "enriched"] { try cluster.createTopic(topic, partitions: 2) }
        try cluster.produce(
            "clicks",
            timed: [
                (0, "u1", #"{"page":"a"}"#, 5), (0, "u1", #"{"page":"b"}"#, 20), (0, "u1", #"{"page":"c"}"#, 40),
                (1, "u2", #"{"page":"d"}"#, 15), (1, "u2", #"{"page":"e"}"#, 35),
            ])
        let others = (0..<3000).map { i in
            (partition: Int32(1), key: "other\(i)", value: Optional(#"{"name":"x"}"#), timestamp: Int64(1))
        }
        try cluster.produce(
            "users",
            timed: [(0, "u1", #"{"name":"Ada"}"#, 10), (0, "u1", #"{"name":"Ada L"}"#, 30)] + others + [
                (1, "u2", #"{"name":"Grace"}"#, 10), (1, "u2", #"{"name":"Grace H"}"#, 30),
            ])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-join"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50",
                topology: Self.joinTopology),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("enriched", count: 5) }
        #expect(
            Self.byKey(output) == [
                "u1": [
                    #"{"left":{"page":"a"},"right":null} @5"#, #"{"left":{"page":"b"},"right":{"name":"Ada"}} @20"#,
                    #"{"left":{"page":"c"},"right":{"name":"Ada L"}} @40"#,
                ],
                "u2": [
                    #"{"left":{"page":"d"},"right":{"name":"Grace"}} @15"#,
                    #"{"left":{"page":"e"},"right":{"name":"Grace H"}} @35"#,
                ],
            ])
    }

    /// The table's updates are produced only after the worker has fetched the clicks and
    /// waits for the (caught-up, empty) table partition, which `/metrics` shows as idle time;
    /// with `max.task.idle.ms` long enough, the clicks still meet the table as of their time,
    /// and no processing had to be enforced.
    @Test func taskWaitsForALateTablePartitionUpToMaxTaskIdle() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "enriched"] { try cluster.createTopic(topic, partitions: 1) }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-idle"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50\nmax.task.idle.ms: 60000", topology: Self.joinTopology),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { app in
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            try cluster.produce("clicks", timed: [(0, "u1", #"{"page":"b"}"#, 20), (0, "u1", #"{"page":"c"}"#, 40)])
            var text = ""
            let idle = #"eddy_stream_task_idle_seconds_total{thread_id="StreamThread-0",task_id="0_0"}"#
            try waitUntil(
                "/metrics shows task 0_0 waiting for the users partition", detail: { "; last scrape:\n\(text)" }
            ) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return (MetricsEndpointTests.value(text, idle) ?? 0) > 0
            }
            try cluster.produce(
                "users",
                timed: [
                    (0, "u1", #"{"name":"Ada"}"#, 10), (0, "u1", #"{"name":"Ada L"}"#, 30),
                    (0, "u1", #"{"name":"Ada X"}"#, 50),
                ])
            output = try cluster.read("enriched", count: 2)
            let enforced =
                #"kafka_streams_stream_task_metrics_enforced_processing_total{thread_id="StreamThread-0",task_id="0_0"}"#
            try waitUntil("/metrics shows task 0_0's enforced processings", detail: { "; last scrape:\n\(text)" }) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return MetricsEndpointTests.value(text, enforced) != nil
            }
            #expect(MetricsEndpointTests.value(text, enforced) == 0)
            #expect(MetricsEndpointTests.parseErrors(text) == [])
        }
        #expect(
            Self.byKey(output) == [
                "u1": [
                    #"{"left":{"page":"b"},"right":{"name":"Ada"}} @20"#,
                    #"{"left":{"page":"c"},"right":{"name":"Ada L"}} @40"#,
                ]
            ])
    }

    /// A table that never comes: after `max.task.idle.ms` the task processes the click
    /// anyway (joined with nothing), and counts one enforced processing on `/metrics`.
    @Test func waitRunsOutAndProcessingIsEnforced() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "enriched"] { try cluster.createTopic(topic, partitions: 1) }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-enforced"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50\nmax.task.idle.ms: 300", topology: Self.joinTopology),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { app in
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            try cluster.produce("clicks", timed: [(0, "u1", #"{"page":"a"}"#, 20)])
            output = try cluster.read("enriched", count: 1)
            var text = ""
            let labels = #"{thread_id="StreamThread-0",task_id="0_0"}"#
            try waitUntil("/metrics shows task 0_0's enforced processing", detail: { "; last scrape:\n\(text)" }) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return MetricsEndpointTests.value(
                    text, "kafka_streams_stream_task_metrics_enforced_processing_total" + labels) == 1
            }
            #expect((MetricsEndpointTests.value(text, "eddy_stream_task_idle_seconds_total" + labels) ?? 0) >= 0.3)
        }
        #expect(Self.byKey(output) == ["u1": [#"{"left":{"page":"a"},"right":null} @20"#]])
    }

    /// Two topics into one sink, produced one after the other: the output is in timestamp order.
    @Test func mergeOfTwoTopicsComesOutInTimestampOrder() throws {
        let cluster = try Cluster()
        for topic in ["a", "b", "merged"] { try cluster.createTopic(topic, partitions: 1) }
        try cluster.produce("a", timed: [1, 4, 5, 8, 9].map { (0, "k", "a\($0)", Int64($0)) })
        try cluster.produce("b", timed: [2, 3, 6, 7, 10].map { (0, "k", "b\($0)", Int64($0)) })
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-merge"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: Self.mergeTopology),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("merged", count: 10) }
        #expect(
            output.map { String(decoding: $0.value ?? [], as: UTF8.self) } == [
                "a1", "b2", "b3", "a4", "a5", "b6", "b7", "a8", "a9", "b10",
            ])
        #expect(output.map(\.timestamp) == Array(1...10))
    }

    /// Sources that take event time from a JSON field are ordered by it, not by the Kafka
    /// timestamps, which here run the other way (100 - event time).
    @Test func mergeOfTwoTopicsComesOutInTheOrderOfTheirTimestampField() throws {
        let cluster = try Cluster()
        for topic in ["a", "b", "merged"] { try cluster.createTopic(topic, partitions: 1) }
        func produce(_ topic: String, _ times: [Int]) throws {
            try cluster.produce(
                topic, timed: times.map { (0, "k", #"{"ts":\#($0),"v":"\#(topic)\#($0)"}"#, Int64(100 - $0)) })
        }
        try produce("a", [1, 4, 5, 8, 9])
        try produce("b", [2, 3, 6, 7, 10])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-field"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: """
                    sources:
                      - {name: a, topics: [a], value.serde: json, timestamp.field: ts}
                      - {name: b, topics: [b], value.serde: json, timestamp.field: ts}
                    sinks:
                      - {name: out, topic: merged, inputs: [a, b], value.serde: json}
                    """),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("merged", count: 10) }
        let values = output.map { record -> String in
            let object = try? JSONSerialization.jsonObject(with: Data(record.value ?? [])) as? [String: Any]
            return object?["v"] as? String ?? "?"
        }
        #expect(values == ["a1", "b2", "b3", "a4", "a5", "b6", "b7", "a8", "a9", "b10"])
    }

    /// The same merge through a plugin's timestamp extractor (`Enrich.purchase-time`: a
    /// purchase's `ts`), whose times run against the Kafka timestamps: the group takes each
    /// record's extracted time when it first looks at it, orders by it, and the task keeps it as
    /// the record's event time (the outputs carry it).
    @Test func mergeOfTwoTopicsComesOutInTheOrderOfTheirExtractedTimestamps() throws {
        let cluster = try Cluster()
        for topic in ["a", "b", "merged"] { try cluster.createTopic(topic, partitions: 1) }
        func produce(_ topic: String, _ times: [Int]) throws {
            try cluster.produce(
                topic,
                timed: times.map {
                    (
                        0, "k",
                        #"{"user":"u","amount":1,"ts":\#($0),"merchant":"m","currency":"EUR","country":"DE","v":"\#(topic)\#($0)"}"#,
                        Int64(100 - $0)
                    )
                })
        }
        try produce("a", [1, 4, 5, 8, 9])
        try produce("b", [2, 3, 6, 7, 10])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-extractor"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: """
                    sources:
                      - {name: a, topics: [a], value.serde: json, timestamp.extractor: Enrich.purchase-time}
                      - {name: b, topics: [b], value.serde: json, timestamp.extractor: Enrich.purchase-time}
                    sinks:
                      - {name: out, topic: merged, inputs: [a, b], value.serde: json}
                    """),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("merged", count: 10) }
        let values = output.map { record -> String in
            let object = try? JSONSerialization.jsonObject(with: Data(record.value ?? [])) as? [String: Any]
            return "\(record.timestamp) \(object?["v"] as? String ?? "?")"
        }
        #expect(
            values == ["1 a1", "2 b2", "3 b3", "4 a4", "5 a5", "6 b6", "7 b7", "8 a8", "9 a9", "10 b10"])
    }

    /// With `buffered.records.per.partition: 5`, the 3000 records of each topic go through
    /// buffers of at most five records beyond a poll's: a full partition is paused and resumed
    /// at the offset after its last buffered record, and the merge is still exactly in order.
    @Test func boundedBuffersPauseAndResumeWithoutLosingOrder() throws {
        let cluster = try Cluster()
        for topic in ["a", "b", "merged"] { try cluster.createTopic(topic, partitions: 1) }
        // Timestamps from 1: librdkafka's producer stamps a record given 0 with the time now.
        try cluster.produce("a", timed: (0..<3000).map { (0, "k", "\(2 * $0 + 1)", Int64(2 * $0 + 1)) })
        try cluster.produce("b", timed: (0..<3000).map { (0, "k", "\(2 * $0 + 2)", Int64(2 * $0 + 2)) })
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("ordered-bounded"), cluster: cluster, guarantee: "at_least_once", threads: 1,
                stateDir: dir.path,
                extra: "buffered.records.per.partition: 5", topology: Self.mergeTopology),
            file: "app.yaml")
        #expect(config.bufferedRecordsPerPartition == 5)
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("merged", count: 6000) }
        #expect(output.map { String(decoding: $0.value ?? [], as: UTF8.self) } == (1...6000).map { "\($0)" })
    }

    /// Exactly-once through kill -9 in a task of two partitions: the worker dies between a
    /// transaction commit and its stores' checkpoint (`EDDY_FAULT`) with records of both
    /// topics buffered or processed but uncommitted; the restarted worker re-reads from the
    /// committed offsets (the last processed record + 1, never the last fetched), and every
    /// click comes out exactly once, joined with the user as of its time.
    @Test func killedMidJoinTheRestartGivesEachClickOnceJoinedAsOfItsTime() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "enriched"] { try cluster.createTopic(topic, partitions: 2) }
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("ordered-crash"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: Self.joinTopology))
        // Click j comes right after update j of its user (same key, one ms later); each topic
        // is produced whole, clicks first.
        func clicks(_ range: Range<Int>) -> [(partition: Int32, key: String, value: String?, timestamp: Int64)] {
            range.map { j in (Int32(j % 2), "u\(j % 10)", #"{"page":"p\#(j)"}"#, Int64(1000 + 2 * j + 1)) }
        }
        func users(_ range: Range<Int>) -> [(partition: Int32, key: String, value: String?, timestamp: Int64)] {
            range.map { j in (Int32(j % 2), "u\(j % 10)", #"{"name":"n\#(j)"}"#, Int64(1000 + 2 * j)) }
        }
        try cluster.produce("clicks", timed: clicks(0..<300))
        try cluster.produce("users", timed: users(0..<300))
        let log = try WorkerProcess(
            app: app, instance: "crashy", directory: dir,
            environment: ["EDDY_FAULT": "crash-after-commit-before-checkpoint:2"]
        ).waitUntilKilled()
        #expect(
            log.contains(
                "EDDY_FAULT: killing this process with SIGKILL at crash-after-commit-before-checkpoint, arrival 2"))

        try cluster.produce("clicks", timed: clicks(300..<600))
        try cluster.produce("users", timed: users(300..<600))
        var config = try AppConfig.load(path: app)
        config.instanceId = "crashy"
        config.stateDir = dir.path + "/state-crashy"
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("enriched", count: 600) }
        let expected = (0..<600).map { j in #"u\#(j % 10) {"left":{"page":"p\#(j)"},"right":{"name":"n\#(j)"}}"# }
        #expect(
            output.map {
                "\(String(decoding: $0.key ?? [], as: UTF8.self)) \(String(decoding: $0.value ?? [], as: UTF8.self))"
            }.sorted()
                == expected.sorted())
    }

    // MARK: - Helpers

    /// Each key's joined values with their timestamps, in output order.
    static func byKey(_ records: [KafkaConsumerRecord]) -> [String: [String]] {
        records.reduce(into: [:]) { result, record in
            result[String(decoding: record.key ?? [], as: UTF8.self), default: []].append(
                "\(String(decoding: record.value ?? [], as: UTF8.self)) @\(record.timestamp)")
        }
    }
}
