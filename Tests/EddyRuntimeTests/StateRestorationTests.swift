import EddyKafka
import EddyTestSupport
import Foundation
import Logging
import Testing

@testable import EddyRuntime

/// State survives restarts: a persistent (RocksDB) store checkpoints the changelog offset it
/// is complete to, so a restarted worker replays only the tail; an in-memory store replays
/// its whole changelog.
@Suite struct StateRestorationTests {
    /// Runs one worker over `lines`, waits for `expected` outputs in total, stops it cleanly,
    /// and returns how many changelog records it restored on start.
    func runOnce(_ config: AppConfig, _ cluster: Cluster, lines: [String], expectedTotal: Int) throws -> Int {
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .warning
        let app = try StreamsApp(config: config, logger: logger)
        try cluster.produce("text-input", lines: lines, partitions: 6)
        try app.start()
        _ = try cluster.read("word-counts", count: expectedTotal)
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
        return app.progress().restored
    }

    // One stream thread, so that no task moves between threads within a run.
    @Test(arguments: [true, false])
    func restartReplaysOnlyWhatTheCheckpointDoesNotCover(persistent: Bool) throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 800)
        let first = Array(input.lines[..<400]), second = Array(input.lines[400...])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("restore"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: WordCountCase.topology + "\nstores:\n  - {name: key-counts, persistent: \(persistent)}"),
            file: "app.yaml")

        #expect(try runOnce(config, cluster, lines: first, expectedTotal: 1600) == 0)
        let changelogRecords = try cluster.readToEnd(Topology.changelogTopic(config.applicationId, "key-counts")).count
        #expect(changelogRecords >= WordCountCase(lines: first).totals.count)
        let restored = try runOnce(config, cluster, lines: second, expectedTotal: input.outputCount)
        // RocksDB kept everything up to its checkpoint: nothing to replay after a clean stop.
        // Memory kept nothing: the whole changelog is replayed.
        #expect(restored == (persistent ? 0 : changelogRecords))
        #expect(WordCountCase.render(try cluster.read("word-counts", count: input.outputCount)) == input.expected)
    }
}

/// What a long restoration logs while it runs.
@Suite struct RestorationProgressTests {
    @Test func progressLinesSayHowFarHowFastAndHowLong() {
        let line = ChangelogReader.progress(
            "counts", KafkaTopicPartition(topic: "app-counts-changelog", partition: 3), done: 400_000, of: 1_000_000,
            since: .now - .seconds(1))
        #expect(line.hasPrefix("restoring counts from app-counts-changelog-3: 400000/1000000 offsets (40%), "))
        #expect(line.hasSuffix(" s") && line.contains("/s, ETA "))
    }
}
