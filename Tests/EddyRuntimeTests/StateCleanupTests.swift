import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `state.cleanup.delay.ms`: the state of a task this worker does not run is removed once it
/// has been unowned for the delay; the state of the tasks it runs stays.
@Suite struct StateCleanupTests {
    @Test func unownedTaskStateIsRemovedOwnedStays() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let dir = TemporaryDirectory()
        let id = uniqueName("cleanup")
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: id, cluster: cluster, threads: 1, stateDir: dir.path, extra: "state.cleanup.delay.ms: 0",
                topology: countPerKeyTopology),
            file: "app.yaml")
        // The state a task of another partition count left behind, e.g. after the worker's
        // partitions moved to another machine.
        let stale = "\(dir.path)/\(id)/0_7"
        try FileManager.default.createDirectory(atPath: stale + "/key-counts", withIntermediateDirectories: true)
        try Data([1]).write(to: URL(fileURLWithPath: stale + "/key-counts/000001.sst"))
        try cluster.produce("events", [("a", [1]), ("b", [1])]) { Int32($0) }
        try runWorker(config) {
            _ = try cluster.read("counts", count: 2)
            try waitUntil("the stale task's state is removed") {
                (try FileManager.default.contentsOfDirectory(atPath: stale)).filter { $0 != ".lock" }.isEmpty
            }
        }
        for owned in ["0_0", "0_1"] {
            #expect(
                try FileManager.default.contentsOfDirectory(atPath: "\(dir.path)/\(id)/\(owned)").contains("key-counts")
            )
        }
    }
}
