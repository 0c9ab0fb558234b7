import EddyKafka
import EddyTestSupport
import Foundation
import Logging
import Testing

@testable import EddyRuntime

/// Restoration runs beside processing: while one task of a stream thread restores its store
/// from a large changelog, the thread's other tasks process and commit; a task revoked
/// mid-restoration keeps what it restored. A `RestoreHold` stops the large restoration at an
/// exact point, so nothing depends on timing.
@Suite struct BackgroundRestorationTests {
    static let store = "key-counts"
    static let topology = countPerKeyTopology
    static let bigTask = TaskId(subTopology: 0, partition: 0)
    static let big = (0..<30_000).map { "big-\($0)" }
    static let small = (0..<10).map { "small-\($0)" }

    @Test func otherTasksProcessAndCommitWhileOneRestores() throws {
        let (cluster, dir, config) = try Self.clusterWithState("restore-bg")

        // Worker b starts on an empty state directory: task 0_0 restores 30,000 records and is
        // held after its first batch; task 0_1 restores its ten and runs.
        let app = try Self.worker(config, stateDir: dir.path + "/state-b")
        let hold = RestoreHold(task: Self.bigTask, afterRecords: 1)
        app.restoreHold = hold
        try app.start()
        defer {
            hold.release()
            app.requestStop()
            if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
        }
        try waitUntil("the restoration of \(Self.bigTask) is held") { hold.isReached }

        let late = (0..<5).map { "late-\($0)" }
        try cluster.produce("events", (late + ["small-0"]).map { ($0, [1]) }) { _ in 1 }
        try cluster.produce("events", [("big-0", [1])]) { _ in 0 }
        let before = Self.outputs(Self.big + Self.small)
        // Task 0_1's six new counts are committed (read_committed) while 0_0 still restores;
        // 0_0's input waits: its count would be an extra record here.
        let during = Self.render(try cluster.read("counts", count: before.count + 6))
        #expect(during == (before + late.map { "\($0):1" } + ["small-0:2"]).sorted())
        #expect(app.progress().restoringTasks == 1)
        #expect(app.progress().tasks == 1)

        hold.release()
        let after = Self.render(try cluster.read("counts", count: before.count + 7))
        #expect(after == (during + ["big-0:2"]).sorted())
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }

        var expected0 = Dictionary(uniqueKeysWithValues: Self.big.map { ($0, Int64(1)) })
        expected0["big-0"] = 2
        var expected1 = Dictionary(uniqueKeysWithValues: (Self.small + late).map { ($0, Int64(1)) })
        expected1["small-0"] = 2
        #expect(
            try Self.storeContents(config, stateDir: dir.path + "/state-b") == ["0_0": expected0, "0_1": expected1])
    }

    @Test func taskRevokedWhileRestoringKeepsWhatItRestored() throws {
        let (cluster, dir, config) = try Self.clusterWithState("restore-revoke")
        let changelog = try cluster.readToEnd(Topology.changelogTopic(config.applicationId, Self.store))
        let stateDir = dir.path + "/state-b"

        // Worker b is stopped (its tasks revoked) while 0_0 is held mid-restoration.
        let first = try Self.worker(config, stateDir: stateDir)
        let hold = RestoreHold(task: Self.bigTask, afterRecords: 1)
        first.restoreHold = hold
        try first.start()
        try waitUntil("the restoration of \(Self.bigTask) is held") { hold.isReached }
        first.requestStop()
        if let error = first.join() { Issue.record("worker ended with an error: \(error)") }
        let restoredFirst = first.progress().restored
        #expect(restoredFirst > Self.small.count)
        #expect(restoredFirst < changelog.count)

        // What it restored is on disk with the checkpoint that covers it.
        let disk = try CrashPointTests.stateOnDisk(cluster, config, stateDir: stateDir)
        #expect(disk.mismatches == [])
        #expect(disk.tail == changelog.count - restoredFirst)

        // Restarted, it replays exactly the rest, and the stores are complete.
        let second = try Self.worker(config, stateDir: stateDir)
        try second.start()
        try waitUntil("both tasks run") { second.progress().tasks == 2 && second.progress().restoringTasks == 0 }
        second.requestStop()
        if let error = second.join() { Issue.record("worker ended with an error: \(error)") }
        #expect(second.progress().restored == disk.tail)
        #expect(
            try Self.storeContents(config, stateDir: stateDir) == [
                "0_0": Dictionary(uniqueKeysWithValues: Self.big.map { ($0, Int64(1)) }),
                "0_1": Dictionary(uniqueKeysWithValues: Self.small.map { ($0, Int64(1)) }),
            ])
    }

    // MARK: - Helpers

    /// A cluster where worker a (one stream thread, now stopped) counted 30,000 keys on
    /// partition 0 and ten on partition 1: a large changelog for task 0_0, a small one for 0_1.
    static func clusterWithState(_ name: String) throws -> (Cluster, TemporaryDirectory, AppConfig) {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName(name), cluster: cluster, threads: 1, stateDir: dir.path + "/state-a", topology: topology),
            file: "app.yaml")
        try cluster.produce("events", big.map { ($0, [1]) }) { _ in 0 }
        try cluster.produce("events", small.map { ($0, [1]) }) { _ in 1 }
        var counted: [String] = []
        try runWorker(config) { counted = render(try cluster.read("counts", count: big.count + small.count)) }
        #expect(counted == outputs(big + small))
        return (cluster, dir, config)
    }

    static func worker(_ config: AppConfig, stateDir: String) throws -> StreamsApp {
        var config = config
        config.instanceId = "b"
        config.stateDir = stateDir
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .warning
        return try StreamsApp(config: config, logger: logger)
    }

    static func outputs(_ keys: [String]) -> [String] { keys.map { "\($0):1" }.sorted() }

    static func render(_ records: [KafkaConsumerRecord]) -> [String] {
        records.map { "\($0.keyString ?? "null"):\($0.value.map(decodeLong) ?? -1)" }.sorted()
    }

    /// Task → key → count, from the stores a stopped worker left on disk.
    static func storeContents(_ config: AppConfig, stateDir: String) throws -> [String: [String: Int64]] {
        var contents: [String: [String: Int64]] = [:]
        try CrashPointTests.forEachStore(config, stateDir: stateDir) { task, opened in
            try opened.forEach { key, value in
                // The count's store keeps each count after its 8-byte timestamp.
                contents[task, default: [:]][String(decoding: key, as: UTF8.self)] = decodeLong(
                    Array(value.dropFirst(8)))
            }
        }
        return contents
    }
}
