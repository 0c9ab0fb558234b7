import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Every join of the application file on a real broker, on the reference scenario of Kafka
/// Streams' join-semantics tables: one key, the left topic `1:null, 3:A, 5:B, 7:null, 9:C,
/// 12:null, 15:D`, the right topic `2:null, 4:a, 6:b, 8:null, 10:c, 11:null, 13:null, 14:d`
/// (stream–stream joins then `40:E, 60:F` left, `80:f` right and `100:G` left, whose windows
/// close). Both topics are written before the worker starts, so only the task's time-ordered
/// input interleaves them as the scenario does; each join's exact output records, with their
/// timestamps and tombstones, are the same as the DSL's through `TopologyTestDriver`
/// (`sdk/Tests/EddySDKTests/JoinTopologyTests.swift`).
@Suite struct JoinSemanticsTests {
    struct Case: CustomStringConvertible, Sendable {
        var join: String
        var leftIsTable: Bool
        var rightIsTable: Bool
        /// `left - right` per record (`null` for a missing side), or nil for a tombstone.
        var expected: [(time: Int64, value: String?)]

        var isStreamStream: Bool { !leftIsTable && !rightIsTable }
        var description: String {
            "\(leftIsTable ? "table" : "stream")-\(rightIsTable ? "table" : "stream") \(join)"
        }
    }

    private static let left: [(String?, Int64)] = [
        (nil, 1), ("A", 3), ("B", 5), (nil, 7), ("C", 9), (nil, 12), ("D", 15),
    ]
    private static let right: [(String?, Int64)] = [
        (nil, 2), ("a", 4), ("b", 6), (nil, 8), ("c", 10), (nil, 11), (nil, 13), ("d", 14),
    ]
    private static let closingLeft: [(String?, Int64)] = [("E", 40), ("F", 60), ("G", 100)]
    private static let closingRight: [(String?, Int64)] = [("f", 80)]

    /// The inner stream–stream join's pairs (one window holds the whole scenario).
    private static let windowedPairs: [(time: Int64, value: String?)] = [
        (4, "A - a"), (5, "B - a"), (6, "A - b"), (6, "B - b"), (9, "C - a"), (9, "C - b"), (10, "A - c"),
        (10, "B - c"), (10, "C - c"), (14, "A - d"), (14, "B - d"), (14, "C - d"), (15, "D - a"), (15, "D - b"),
        (15, "D - c"), (15, "D - d"),
    ]

    static let cases: [Case] = [
        Case(join: "inner", leftIsTable: false, rightIsTable: false, expected: windowedPairs),
        Case(
            join: "left", leftIsTable: false, rightIsTable: false,
            expected: windowedPairs + [(40, "E - null"), (60, "F - null")]),
        Case(
            join: "outer", leftIsTable: false, rightIsTable: false,
            expected: windowedPairs + [(40, "E - null"), (60, "F - null"), (80, "null - f")]),
        Case(join: "inner", leftIsTable: false, rightIsTable: true, expected: [(5, "B - a"), (15, "D - d")]),
        Case(
            join: "left", leftIsTable: false, rightIsTable: true,
            expected: [(3, "A - null"), (5, "B - a"), (9, "C - null"), (15, "D - d")]),
        Case(
            join: "inner", leftIsTable: true, rightIsTable: true,
            expected: [(4, "A - a"), (5, "B - a"), (6, "B - b"), (7, nil), (10, "C - c"), (11, nil), (15, "D - d")]),
        Case(
            join: "left", leftIsTable: true, rightIsTable: true,
            expected: [
                (3, "A - null"), (4, "A - a"), (5, "B - a"), (6, "B - b"), (7, nil), (9, "C - null"), (10, "C - c"),
                (11, "C - null"), (12, nil), (15, "D - d"),
            ]),
        Case(
            join: "outer", leftIsTable: true, rightIsTable: true,
            expected: [
                (3, "A - null"), (4, "A - a"), (5, "B - a"), (6, "B - b"), (7, "null - b"), (8, nil), (9, "C - null"),
                (10, "C - c"), (11, "C - null"), (12, nil), (14, "null - d"), (15, "D - d"),
            ]),
    ]

    @Test(arguments: cases)
    func theReferenceScenarioGivesKafkaStreamsResults(_ join: Case) throws {
        let cluster = try Cluster()
        for topic in ["left", "right", "joined"] { try cluster.createTopic(topic, partitions: 1) }
        // JSON string values under key `k`; nil is a null value.
        func produce(_ topic: String, _ records: [(String?, Int64)]) throws {
            try cluster.produce(topic, timed: records.map { (0, "k", $0.0.map { "\"\($0)\"" }, $0.1) })
        }
        try produce("left", Self.left + (join.isStreamStream ? Self.closingLeft : []))
        try produce("right", Self.right + (join.isStreamStream ? Self.closingRight : []))
        func input(_ name: String, table: Bool) -> String {
            table
                ? "{name: \(name), topic: \(name), value.serde: json}"
                : "{name: \(name), topics: [\(name)], value.serde: json}"
        }
        let streams = [("left", join.leftIsTable), ("right", join.rightIsTable)].filter { !$0.1 }.map {
            input($0.0, table: false)
        }
        let tables = [("left", join.leftIsTable), ("right", join.rightIsTable)].filter { $0.1 }.map {
            input($0.0, table: true)
        }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("join-semantics"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50",
                topology: """
                    \(streams.isEmpty ? "" : "sources: [\(streams.joined(separator: ", "))]")
                    \(tables.isEmpty ? "" : "tables: [\(tables.joined(separator: ", "))]")
                    processors:
                      - {name: joined, type: join, join: \(join.join), inputs: [left, right]\(join.isStreamStream ? ", window: {difference.ms: 15}" : "")}
                    sinks:
                      - {name: out, topic: joined, inputs: [joined], value.serde: json}
                    """),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { output = try cluster.read("joined", count: join.expected.count) }
        #expect(output.map(Self.rendered) == join.expected.map { "\($0.time) \($0.value ?? "tombstone")" }, "\(join)")
    }

    /// An output as `time left - right` (the JSON merge's sides, `null` for a missing one), or
    /// `time tombstone`.
    static func rendered(_ record: KafkaConsumerRecord) -> String {
        guard let value = record.value else { return "\(record.timestamp) tombstone" }
        let merged = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any]
        func side(_ name: String) -> String { (merged?[name] as? String) ?? "null" }
        return "\(record.timestamp) \(side("left")) - \(side("right"))"
    }
}
