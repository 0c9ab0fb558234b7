import EddyEngine
import EddyKafka
import EddyTestSupport
import Foundation
import Testing

@testable import EddyRuntime

/// Partition N of every topic a sub-topology reads belongs to one task on one worker, through
/// every rebalance; topics that must be co-partitioned but differ in partition count keep the
/// worker from starting.
@Suite struct CoPartitioningTests {
    /// Two topics merged into one count per key: a sub-topology reading two topics into one store.
    static let topology = """
        sources:
          - {name: left, topics: [left]}
          - {name: right, topics: [right]}
        processors:
          - {name: both, type: merge, inputs: [left, right]}
          - {name: per-key, type: count, store: key-counts, inputs: [both]}
        sinks:
          - {name: out, topic: counts, inputs: [per-key], value.serde: i64}
        """

    static let allTasks: Set<String> = Set((0..<6).map { "0_\($0)" })

    /// Workers a and b, then c joining, b leaving, c killed with SIGKILL and b coming back,
    /// under `exactly_once_v2`, with records of both topics produced between the steps: the
    /// counts are exactly those of the input (each key's counts 1…n once), and no task is ever
    /// open on two workers at once.
    @Test func partitionNOfBothTopicsStaysOnOneTaskThroughJoinsLeavesAndAKill() throws {
        let cluster = try Cluster()
        for topic in ["left", "right", "counts"] { try cluster.createTopic(topic, partitions: 6) }
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("copartition"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 100",
                topology: Self.topology))
        let monitor = TaskOwnershipMonitor()
        var produced: [String: Int] = [:]
        var batch = 0
        /// Each of 120 keys once in each topic (keys hash to one partition number in both).
        func produceBatch() throws {
            let keys = (0..<120).map { "k\(($0 * 7 + batch) % 150)" }
            batch += 1
            for topic in ["left", "right"] { try cluster.produce(topic, keys.map { ($0, [UInt8(batch)]) }) }
            for key in keys { produced[key, default: 0] += 2 }
        }
        let (a, b2, _) = try churnWorkers(
            app: app, directory: dir, monitor: monitor, tasks: Self.allTasks, step: produceBatch)
        #expect(a.log.contains("(assignor range)"))

        let expected = produced.flatMap { key, n in (1...n).map { "\(key):\($0)" } }.sorted()
        let output = try cluster.read("counts", count: expected.count).map {
            "\($0.keyString ?? ""):\(decodeLong($0.value ?? []))"
        }
        let owners = monitor.everOwned()
        let (overlaps, samples) = monitor.stop()
        #expect(try b2.stop() == 0)
        #expect(try a.stop() == 0)

        #expect(output.sorted() == expected, "a:\n\(a.log.suffix(4000))\nb2:\n\(b2.log.suffix(4000))")
        #expect(overlaps.isEmpty, "tasks owned twice: \(overlaps)")
        #expect(samples > 100)
        #expect(
            Set(owners.values.flatMap { $0 }) == Self.allTasks && owners.values.allSatisfy { !$0.isEmpty },
            "owners: \(owners)")
    }

    /// A join's co-partition group (declared by the topology, as the joins engine does) is
    /// checked whatever the sub-topology keeps; a stateless merge of topics of different
    /// counts is not a group; the range assignor is chosen only where a sub-topology reads
    /// several topics.
    @Test func declaredGroupsAreCheckedAndRangeIsChosenOnlyForSeveralTopics() throws {
        /// Sources of `topics` merged into a sink, one sub-topology per entry of `merges`.
        func topology(_ merges: [[String]]) throws -> Topology {
            var nodes: [Topology.DeclaredNode] = []
            for (i, topics) in merges.enumerated() {
                for topic in topics {
                    let source = Topology.Source(topics: [topic], keySerde: "string", valueSerde: "string")
                    nodes.append(.init(.init(name: topic, kind: .source(source), parents: []), at: .init("test")))
                }
                nodes.append(.init(.init(name: "merge-\(i)", kind: .passthrough, parents: topics), at: .init("test")))
                let sink = Topology.Sink(topic: "out-\(i)", keySerde: "string", valueSerde: "string")
                nodes.append(
                    .init(.init(name: "out-\(i)", kind: .sink(sink), parents: ["merge-\(i)"]), at: .init("test")))
            }
            return try Topology.build(applicationId: "app", nodes: nodes)
        }
        var joined = try topology([["orders", "customers", "audit"], ["x"]])
        #expect(joined.subTopologies.map(\.sourceTopics) == [["orders", "customers", "audit"], ["x"]])
        joined.subTopologies[0].coPartitionGroups = [["orders", "customers"]]
        let groups = CoPartitioning.groups(of: joined) { _ in false }
        #expect(groups == [["orders", "customers"]])
        #expect(
            throws: AppConfigError(
                file: "app.yaml", line: nil, key: "topology",
                message:
                    "topics orders (6 partitions), customers (3 partitions) must be co-partitioned — partition N of each is processed "
                    + "by one task — but their partition counts differ; recreate them (or repartition one) with the same partition count"
            )
        ) {
            try CoPartitioning.check(groups, partitions: ["orders": 6, "customers": 3, "audit": 1], file: "app.yaml")
        }
        try CoPartitioning.check(groups, partitions: ["orders": 4, "customers": 4, "audit": 1], file: "app.yaml")
        #expect(
            CoPartitioning.groups(of: joined) { $0.id == 0 } == [
                ["orders", "customers"], ["orders", "customers", "audit"],
            ])
        #expect(CoPartitioning.assignmentStrategy(for: joined) == "range")
        let single = try topology([["a"], ["b"]])
        #expect(CoPartitioning.assignmentStrategy(for: single) == "cooperative-sticky")
    }

    /// A sub-topology keeping state from two topics of different partition counts cannot
    /// keep partition N of both on one task: the worker refuses to start, exit status 78,
    /// naming each topic and its count.
    @Test func topicsOfDifferentPartitionCountsIntoOneStoreRefuseToStart() throws {
        let cluster = try Cluster()
        try cluster.createTopic("left", partitions: 6)
        try cluster.createTopic("right", partitions: 4)
        try cluster.createTopic("counts", partitions: 6)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("copartition-counts"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: Self.topology))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        #expect(try worker.exitStatus() == 78)
        #expect(
            worker.log.contains(
                "\(app): topology: topics left (6 partitions), right (4 partitions) must be co-partitioned — partition N of each is "
                    + "processed by one task — but their partition counts differ; recreate them (or repartition one) with the same "
                    + "partition count"),
            "log:\n\(worker.log.suffix(3000))")
        #expect(!worker.log.contains("joined group"))
    }
}
