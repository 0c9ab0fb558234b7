import EddyEngine
import EddyKafka
import EddyRuntime
import EddySDK
import EddyTestSupport
import Foundation
import Testing

/// A store whose changelog is its source topic (`Topology.sourceChangelogs`, Kafka Streams'
/// source-topic changelog): no changelog topic and no changelog records; a new owner restores
/// it from the source topic up to the committed offset; its checkpoint is a source offset.
@Suite struct SourceTopicChangelogTests {
    /// `table-in` → a table in `table-store` (its changelog: `table-in`) → `table-out`.
    static func topology(_ applicationId: String) throws -> Topology {
        var topology = try Topology.build(
            applicationId: applicationId,
            nodes: [
                .init(
                    .init(
                        name: "table-in",
                        kind: .source(.init(topics: ["table-in"], keySerde: "string", valueSerde: "string")),
                        parents: []),
                    at: .init("test")),
                .init(
                    .init(
                        name: "table",
                        kind: .toTable(.keyValue("table-store", key: StringSerde(), value: StringSerde())),
                        parents: ["table-in"]),
                    at: .init("test")),
                .init(
                    .init(
                        name: "out", kind: .sink(.init(topic: "table-out", keySerde: "string", valueSerde: "string")),
                        parents: ["table"]),
                    at: .init("test")),
            ])
        topology.sourceChangelogs = ["table-store": "table-in"]
        return topology
    }

    /// Runs the topology on a worker in this process until `done` holds; returns the records
    /// it restored (from the progress counters).
    static func run(_ config: AppConfig, _ topology: Topology, until done: () throws -> Void) throws -> Int {
        var restored = 0
        try runWorker(config, topology: topology) { app in
            try done()
            restored = app.progress().restored
        }
        return restored
    }

    @Test func restoresFromTheSourceTopicUpToTheCommittedOffsetAndWritesNoChangelog() throws {
        let cluster = try Cluster()
        try cluster.createTopic("table-in", partitions: 2)
        try cluster.createTopic("table-out", partitions: 2)
        let id = uniqueName("source-changelog")
        let topology = try Self.topology(id)
        let dir = TemporaryDirectory()
        func config(_ state: String) throws -> AppConfig {
            try AppConfig.parse(
                yaml: appYAML(
                    id: id, cluster: cluster, threads: 1, stateDir: "\(dir.path)/\(state)",
                    extra: "commit.interval.ms: 100",
                    topology: countPerKeyTopology),
                file: "app.yaml")
        }
        let first: [(key: String?, value: [UInt8]?)] =
            (0..<10).map { ("k\($0 % 4)", Array("v\($0)".utf8)) } + [("k3", nil)]
        try cluster.produce("table-in", first)

        let restoredFirst = try Self.run(try config("state-1"), topology) {
            _ = try cluster.read("table-out", count: first.count)
        }
        #expect(restoredFirst == 0)
        let topics = try KafkaAdmin(configuration: cluster.configuration).metadata().topics.map(\.name)
        #expect(!topics.contains(Topology.changelogTopic(id, "table-store")), "topics: \(topics)")
        #expect(!topics.contains { $0.hasSuffix("-changelog") }, "topics: \(topics)")

        // Produced while no worker runs: past the committed offset, so not restored but processed.
        let second: [(key: String?, value: [UInt8]?)] = [("k0", Array("w0".utf8)), ("k5", Array("w5".utf8))]
        try cluster.produce("table-in", second)
        // A new owner with an empty state directory restores the 11 committed records, not 13.
        let restoredSecond = try Self.run(try config("state-2"), topology) {
            _ = try cluster.read("table-out", count: first.count + second.count)
        }
        #expect(restoredSecond == first.count)

        // Its checkpoint holds the source offsets it committed: a restart restores nothing.
        let third: [(key: String?, value: [UInt8]?)] = [("k6", Array("x6".utf8))]
        try cluster.produce("table-in", third)
        let restoredThird = try Self.run(try config("state-2"), topology) {
            _ = try cluster.read("table-out", count: first.count + second.count + third.count)
        }
        #expect(restoredThird == 0)

        let output = try cluster.readToEnd("table-out").map {
            "\($0.keyString ?? ""):\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "null")"
        }
        let input = (first + second + third).map {
            "\($0.key ?? ""):\($0.value.map { String(decoding: $0, as: UTF8.self) } ?? "null")"
        }
        #expect(output.sorted() == input.sorted())
        // The store wrote no changelog records into its source topic either.
        #expect(try cluster.readToEnd("table-in").count == input.count)
    }
}
