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
        let id = unique("reset")
        let path = try dir.write("app.yaml", appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: countPerKeyTopology))
        let config = try AppConfig.load(path: path)
        let first = ["a:1", "a:2", "b:1"]
        var before: [String] = []
        try runWorker(config) { before = BackgroundRestorationTests.render(try cluster.read("counts", count: 3)) }
        #expect(before == first)

        let reset = try ProcessRunner.eddy(["app", "reset", path])
        #expect(reset.status == 0, "\(reset.stderr)")
        #expect(reset.stdout == """
            reset \(id):
              committed offsets rewound to the earliest: events-0@0, events-1@0
              internal topics deleted: \(id)-key-counts-changelog
              task directories removed from \(dir.path): 0_0, 0_1

            """)

        var again: [String] = []
        try runWorker(config) { again = BackgroundRestorationTests.render(try cluster.read("counts", count: 6)) }
        #expect(again == (first + first).sorted())
    }

    @Test func refusesWhileAWorkerRuns() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("counts", partitions: 1)
        let dir = TemporaryDirectory()
        let id = unique("reset-refused")
        var config = try AppConfig.parse(yaml: appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: countPerKeyTopology), file: "app.yaml")
        config.instanceId = "worker-1"
        try runWorker(config) {
            var other = config
            other.stateDir = dir.path + "/elsewhere"
            let reset = try ApplicationReset(config: other, plugins: try PluginSet.load(for: other))
            #expect {
                _ = try reset.run(kafka: cluster.configuration)
            } throws: { error in
                "\(error)" == "application \(id) has 1 running worker(s): worker-1 — stop every worker first (a stopped worker's record disappears at once; a killed one's after 10 s)"
            }
        }
    }
}
