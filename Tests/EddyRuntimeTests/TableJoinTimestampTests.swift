import EddyKafka
import EddyRuntime
import EddyServer
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Table–table joins of the application file on a real broker give each result the larger of
/// both sides' timestamps, as Kafka Streams does, from the timestamps the tables' RocksDB
/// stores keep with their values. The topics are written before the worker starts, each in an
/// order whose timestamps go back, so the time-ordered input processes, under key `k`: left
/// `A@50`, right `a@60`, right `b@15` (older than the stored left value), right `c@80`, left
/// `B@90`, left `C@30` (older than the stored right value), left tombstone `@35` — the
/// updates of `sdk/Tests/EddySDKTests/TableJoinTimestampTests.swift`, with the same results.
@Suite struct TableJoinTimestampTests {
    struct Case: CustomStringConvertible, Sendable {
        var join: String
        var expected: [String]
        var description: String { "table-table \(join)" }
    }

    private static let left: [(String?, Int64)] = [("A", 50), ("B", 90), ("C", 30), (nil, 35)]
    private static let right: [(String?, Int64)] = [("a", 60), ("b", 15), ("c", 80)]

    static let cases: [Case] = [
        Case(
            join: "inner",
            expected: ["60 A - a", "50 A - b", "80 A - c", "90 B - c", "80 C - c", "80 tombstone"]),
        Case(
            join: "left",
            expected: ["50 A - null", "60 A - a", "50 A - b", "80 A - c", "90 B - c", "80 C - c", "80 tombstone"]),
        Case(
            join: "outer",
            expected: ["50 A - null", "60 A - a", "50 A - b", "80 A - c", "90 B - c", "80 C - c", "80 null - c"]),
    ]

    @Test(arguments: cases)
    func resultsCarryTheLargerTimestampOfBothSides(_ join: Case) throws {
        let cluster = try Cluster()
        try Self.produceUpdates(cluster)
        let dir = TemporaryDirectory()
        var output: [KafkaConsumerRecord] = []
        try runWorker(
            try Self.config(uniqueName("table-join-ts"), join: join.join, cluster: cluster, stateDir: dir.path)
        ) {
            output = try cluster.read("joined", count: join.expected.count)
        }
        #expect(output.map(JoinSemanticsTests.rendered) == join.expected, "\(join)")
    }

    /// A table store restored from its source topic (its state directory gone) keeps each
    /// value with its record's timestamp: a left update older than the restored right value
    /// is joined at the right value's timestamp, and with the right value itself. An
    /// interactive query and `eddy store dump` show the value, and in JSON its timestamp.
    @Test func aTableRestoredFromItsSourceTopicKeepsItsTimestamps() throws {
        let cluster = try Cluster()
        try Self.produceUpdates(cluster)
        let id = uniqueName("table-join-restore")
        let first = TemporaryDirectory()
        try runWorker(try Self.config(id, join: "inner", cluster: cluster, stateDir: first.path)) {
            _ = try cluster.read("joined", count: 6)
        }
        try cluster.produce("left", timed: [(0, "k", "\"D\"", 40)])
        let second = TemporaryDirectory()
        var output: [KafkaConsumerRecord] = []
        try runWorker(try Self.config(id, join: "inner", cluster: cluster, stateDir: second.path)) { app in
            output = try cluster.read("joined", count: 7)
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            let answer = try EndpointClient.get(port: endpoint.port, "/stores/right-store/keys/k")
            #expect(answer.body == #"{"key":"k","timestamp":80,"value":"\"c\""}"# + "\n")
        }
        let app = try second.write(
            "app.yaml", Self.yaml(id, join: "inner", cluster: cluster, stateDir: second.path))
        let text = try ProcessRunner.eddy(["store", "dump", app, "right-store"])
        #expect(text.stdout == "0_0\tk\t\"c\"\n", "\(text.stderr)")
        let json = try ProcessRunner.eddy(["store", "dump", app, "right-store", "--format", "json"])
        #expect(json.stdout == #"{"key":"k","task":"0_0","timestamp":80,"value":"\"c\""}"# + "\n", "\(json.stderr)")
        #expect(
            output.map(JoinSemanticsTests.rendered) == [
                "60 A - a", "50 A - b", "80 A - c", "90 B - c", "80 C - c", "80 tombstone", "80 D - c",
            ])
    }

    // MARK: - Private

    private static func produceUpdates(_ cluster: Cluster) throws {
        for topic in ["left", "right", "joined"] { try cluster.createTopic(topic, partitions: 1) }
        func produce(_ topic: String, _ records: [(String?, Int64)]) throws {
            try cluster.produce(topic, timed: records.map { (0, "k", $0.0.map { "\"\($0)\"" }, $0.1) })
        }
        try produce("left", left)
        try produce("right", right)
    }

    private static func config(_ id: String, join: String, cluster: Cluster, stateDir: String) throws -> AppConfig {
        try AppConfig.parse(yaml: yaml(id, join: join, cluster: cluster, stateDir: stateDir), file: "app.yaml")
    }

    private static func yaml(_ id: String, join: String, cluster: Cluster, stateDir: String) -> String {
        appYAML(
            id: id, cluster: cluster, threads: 1, stateDir: stateDir, extra: "commit.interval.ms: 50",
            topology: """
                tables: [{name: left, topic: left, value.serde: json}, {name: right, topic: right, value.serde: json}]
                processors:
                  - {name: joined, type: join, join: \(join), inputs: [left, right]}
                sinks:
                  - {name: out, topic: joined, inputs: [joined], value.serde: json}
                """)
    }
}
