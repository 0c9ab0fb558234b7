import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `eddy app reset`: run, reset, run again — the output is produced again from the start (the
/// counts begin at 1 again); the reset refuses while a worker of the application runs.
@Suite struct ApplicationResetTests {
    @Test func runResetRunAgainProducesTheOutputAgain() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        try cluster.produce("events", [("a", [1]), ("b", [1]), ("a", [1])]) { _ in 0 }
        let dir = TemporaryDirectory()
        let id = uniqueName("reset")
        let path = try dir.write(
            "app.yaml", appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: countPerKeyTopology)
        )
        let config = try AppConfig.load(path: path)
        let first = ["a:1", "a:2", "b:1"]
        var before: [String] = []
        try runWorker(config) { before = BackgroundRestorationTests.render(try cluster.read("counts", count: 3)) }
        #expect(before == first)

        let reset = try ProcessRunner.eddy(["app", "reset", path])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(
            reset.stdout == """
                reset \(id):
                  committed offsets rewound to the earliest: events-0@0, events-1@0
                  internal topics deleted: \(id)-key-counts-changelog
                  task directories removed from \(dir.path): 0_0, 0_1

                """)

        var again: [String] = []
        try runWorker(config) { again = BackgroundRestorationTests.render(try cluster.read("counts", count: 6)) }
        #expect(again == (first + first).sorted())
    }

    /// `--to-datetime`: the inputs start again at their first record at or after the time
    /// (Kafka's ListOffsets by timestamp); a partition with none starts at its end.
    @Test func resetToATimeReprocessesFromThere() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let producer = try KafkaProducer(configuration: cluster.configuration)
        for (key, time) in [("a", 1_000), ("b", 2_000), ("c", 3_000)] {
            try producer.send(
                KafkaProducerRecord(
                    topic: "events", partition: 0, key: Array(key.utf8), value: [1], timestamp: Int64(time)))
        }
        try producer.send(
            KafkaProducerRecord(topic: "events", partition: 1, key: Array("d".utf8), value: [1], timestamp: 1_500))
        try producer.flush(timeout: .seconds(30))
        let dir = TemporaryDirectory()
        let id = uniqueName("reset-time")
        let path = try dir.write(
            "app.yaml", appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: countPerKeyTopology)
        )
        let config = try AppConfig.load(path: path)
        var before: [String] = []
        try runWorker(config) { before = BackgroundRestorationTests.render(try cluster.read("counts", count: 4)) }
        #expect(before == ["a:1", "b:1", "c:1", "d:1"])

        // 2 s after the epoch: partition 0 restarts at b (offset 1), partition 1 (only d, at
        // 1.5 s) at its end.
        let reset = try ProcessRunner.eddy(["app", "reset", path, "--to-datetime", "1970-01-01T00:00:02Z"])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(
            reset.stdout.contains(
                "committed offsets rewound to the first record at or after 2000 ms: events-0@1, events-1@1"),
            "\(reset.stdout)")

        var again: [String] = []
        try runWorker(config) { again = BackgroundRestorationTests.render(try cluster.read("counts", count: 6)) }
        #expect(again == ["a:1", "b:1", "b:1", "c:1", "c:1", "d:1"])

        let refused = try ProcessRunner.eddy(["app", "reset", path, "--by-duration", "P1X"])
        #expect(refused.status != 0)
        #expect(
            refused.stderr.contains("--by-duration 'P1X' is not an ISO 8601 duration; write e.g. PT15M or P1DT2H"),
            "\(refused.stderr)")
    }

    @Test func refusesWhileAWorkerRuns() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("counts", partitions: 1)
        let dir = TemporaryDirectory()
        let id = uniqueName("reset-refused")
        var config = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: countPerKeyTopology),
            file: "app.yaml")
        config.instanceId = "worker-1"
        try runWorker(config) {
            var other = config
            other.stateDir = dir.path + "/elsewhere"
            let reset = try ApplicationReset(config: other, plugins: try PluginSet.load(for: other))
            #expect {
                _ = try reset.run(kafka: cluster.configuration)
            } throws: { error in
                "\(error)"
                    == "application \(id) has 1 running worker(s): worker-1 — stop every worker first (a stopped worker's record disappears at once; a killed one's after 10 s)"
            }
        }
    }
}
