import EddyKafka
import EddyRuntime
import EddyState
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Exactly-once under kill -9 at the two windows timing cannot hit reliably, armed with
/// `EDDY_FAULT` so the worker kills itself with SIGKILL exactly there:
/// - between a transaction commit and the store checkpoint: the changelog holds committed
///   records the store on disk lacks, and the restart must replay exactly those;
/// - during restoration: what restoration wrote is on disk with the checkpoint that covers
///   it, and the restart must resume from that checkpoint instead of starting over.
/// In both, the `read_committed` output and the final store contents are exactly what a
/// crash-free run gives.
@Suite struct CrashPointTests {
    static let store = "key-counts"

    @Test func killedBetweenCommitAndCheckpointReplaysTheCommittedTail() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 3000, seed: 11)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("commit-crash"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: WordCountCase.topology))
        let stateDir = dir.path + "/state-crashy"
        let half = input.lines.count / 2

        try cluster.produce("text-input", lines: Array(input.lines[..<half]), partitions: 6)
        let log = try WorkerProcess(
            app: app, instance: "crashy", directory: dir,
            environment: ["EDDY_FAULT": "crash-after-commit-before-checkpoint:4"]
        ).waitUntilKilled()
        #expect(
            log.contains(
                "EDDY_FAULT: killing this process with SIGKILL at crash-after-commit-before-checkpoint, arrival 4"))

        let config = try AppConfig.load(path: app)
        let disk = try Self.stateOnDisk(cluster, config, stateDir: stateDir)
        #expect(disk.mismatches == [], "each store on disk is exactly its changelog up to its checkpoint")
        // The store being checkpointed when the process died had committed changelog records
        // beyond its checkpoint, the stores checkpointed before it had none.
        #expect(disk.tail > 0)
        #expect(disk.tail < disk.total)

        try cluster.produce("text-input", lines: Array(input.lines[half...]), partitions: 6)
        let restored = try Self.restart(
            config, instance: "crashy", stateDir: stateDir, cluster: cluster, outputs: input.outputCount)
        #expect(restored.restored == disk.tail)
        #expect(restored.output == input.expected)
        #expect(try Self.counts(config, stateDir: stateDir) == input.totals)
    }

    @Test func killedDuringRestorationResumesFromTheCheckpointOnDisk() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        // Many distinct words, so that every changelog partition has records to restore.
        let input = WordCountCase(
            lines: (0..<3000).map { line in (0..<4).map { "w\((line * 4 + $0) % 7919)" }.joined(separator: " ") })
        let first = Array(input.lines[..<2000])
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("restore-crash"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: WordCountCase.topology))
        let config = try AppConfig.load(path: app)

        // Worker a builds the state and its changelog, then stops cleanly.
        try cluster.produce("text-input", lines: first, partitions: 6)
        _ = try Self.restart(
            config, instance: "a", stateDir: dir.path + "/state-a", cluster: cluster,
            outputs: WordCountCase(lines: first).outputCount)

        // Worker b, on a machine of its own, restores the six stores and dies after the second batch.
        let stateDir = dir.path + "/state-b"
        let log = try WorkerProcess(
            app: app, instance: "b", directory: dir, environment: ["EDDY_FAULT": "crash-during-restoration:2"]
        ).waitUntilKilled()
        #expect(log.contains("EDDY_FAULT: killing this process with SIGKILL at crash-during-restoration, arrival 2"))
        // Whatever restoration wrote before the crash is on disk with the checkpoint that covers
        // it, and nothing else (how much that is depends on how EddyState gathers batches).
        let disk = try Self.stateOnDisk(cluster, config, stateDir: stateDir)
        #expect(disk.mismatches == [], "each store on disk is exactly its changelog up to its checkpoint")
        #expect(disk.tail > 0)

        try cluster.produce("text-input", lines: Array(input.lines[2000...]), partitions: 6)
        let restored = try Self.restart(
            config, instance: "b", stateDir: stateDir, cluster: cluster, outputs: input.outputCount)
        #expect(restored.restored == disk.tail)
        #expect(restored.output == input.expected)
        #expect(try Self.counts(config, stateDir: stateDir) == input.totals)
    }

    // MARK: - Helpers

    /// Runs a worker in this process until `outputs` output records are committed, stops it
    /// cleanly, and returns how many changelog records it restored and the whole output.
    static func restart(
        _ config: AppConfig, instance: String, stateDir: String, cluster: Cluster, outputs: Int
    ) throws -> (restored: Int, output: [String]) {
        var config = config
        config.instanceId = instance
        config.stateDir = stateDir
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .warning
        let app = try StreamsApp(config: config, logger: logger)
        try app.start()
        let output = try cluster.read("word-counts", count: outputs)
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
        return (app.progress().restored, WordCountCase.render(output))
    }

    /// What a crash left on disk, against the changelog: `tail` is the number of committed
    /// changelog records at or after each store's checkpoint (all of a partition whose store
    /// has none), `total` the number of all; `mismatches` names every task whose store is not
    /// exactly the changelog's records before its checkpoint, latest value per key.
    static func stateOnDisk(
        _ cluster: Cluster, _ config: AppConfig, stateDir: String
    ) throws -> (tail: Int, total: Int, mismatches: [String]) {
        let topic = Topology.changelogTopic(config.applicationId, store)
        let changelog = try cluster.readToEnd(topic)
        var checkpoints: [Int32: Int64] = [:]
        var mismatches: [String] = []
        try forEachStore(config, stateDir: stateDir) { task, opened in
            let partition = Int32(task.split(separator: "_").last!)!
            let checkpoint = opened.checkpoint[ChangelogPartition(topic: topic, partition: partition)] ?? 0
            checkpoints[partition] = checkpoint
            var expected: [[UInt8]: [UInt8]] = [:]
            for record in changelog where record.partition == partition && record.offset < checkpoint {
                expected[record.key!] = record.value
            }
            var onDisk: [[UInt8]: [UInt8]] = [:]
            try opened.forEach { key, value in onDisk[Array(key)] = Array(value) }
            if onDisk != expected { mismatches.append("\(task) (checkpoint \(checkpoint))") }
        }
        return (changelog.filter { $0.offset >= checkpoints[$0.partition] ?? 0 }.count, changelog.count, mismatches)
    }

    /// Word → count over every task's store; a word in two tasks' stores is an error.
    static func counts(_ config: AppConfig, stateDir: String) throws -> [String: Int] {
        var counts: [String: Int] = [:]
        try forEachStore(config, stateDir: stateDir) { task, opened in
            try opened.forEach { key, value in
                let word = String(decoding: key, as: UTF8.self)
                if counts[word] != nil { Issue.record("\(word) is in more than one task's store, again in \(task)") }
                counts[word] = Int(decodeLong(Array(value)))
            }
        }
        return counts
    }

    static func forEachStore(_ config: AppConfig, stateDir: String, _ body: (String, InspectedStore) throws -> Void)
        throws
    {
        let inspector = try StateInspector(root: stateDir, applicationId: config.applicationId)
        for found in try inspector.stores() where found.name == store {
            // A lock may outlive a stopped worker for a moment (see DirectoryLock).
            let opened = try inspector.open(found, waitingUpTo: .seconds(10))
            defer { opened.close() }
            try body(found.taskId, opened)
        }
    }
}
