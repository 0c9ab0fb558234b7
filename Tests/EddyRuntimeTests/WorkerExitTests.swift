import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `eddy run`'s exit status as a supervisor sees it, and the stream-thread uncaught-exception
/// policies, on real worker processes: 1 after a failed record, 0 after SIGTERM, a failed
/// thread replaced exactly once with exactly-once output, and `shutdown_application`
/// stopping every worker with 2.
@Suite struct WorkerExitTests {
    static let payments = """
        sources:
          - {name: payments, topics: [payments], value.serde: json}
        processors:
          - {name: enrich, plugin: Enrich, processor: enrich, inputs: [payments]}
        sinks:
          - {name: out, topic: enriched, inputs: [enrich], value.serde: json}
        """

    @Test func aRecordFailingUnderFailExitsOneAndSaysWhy() throws {
        let cluster = try Cluster()
        try cluster.createTopic("payments", partitions: 1)
        try cluster.createTopic("enriched", partitions: 1)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("exit-fail"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "default.deserialization.exception.handler: dead_letter\nprocessing.exception.handler: fail",
                topology: Self.payments))
        // Valid JSON (the deserialization handler is not involved) that is not a payment.
        try cluster.produce("payments", [("p1", Array(#"{"unexpected":true}"#.utf8))])
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        #expect(try worker.exitStatus() == 1)
        #expect(worker.log.contains("eddy run: stopped by an error: processor error on payments-0@0 at enrich"))
        #expect(worker.log.contains("— stopping (processing.exception.handler: fail)"))
    }

    @Test func sigtermAfterACleanShutdownExitsZero() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 2)
        try cluster.createTopic("word-counts", partitions: 2)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("exit-clean"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: WordCountCase.topology))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        try worker.waitForLog("stream thread 0 joined group")
        #expect(try worker.stop() == 0)
        #expect(worker.log.contains("stream thread 0 stopped cleanly"))
    }

    /// While it runs, the stream thread carries its name in the kernel (what perf, `top -H`
    /// and the benchmark's allocation counts show); at a clean stop it logs where its time
    /// went, counting every record it processed: each line, then each word again from the
    /// repartition topic.
    @Test func theStreamThreadIsNamedAndLogsItsRecordsAtACleanStop() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 2)
        try cluster.createTopic("word-counts", partitions: 2)
        let input = WordCountCase(lines: 400, seed: 11)
        try cluster.produce("text-input", lines: input.lines, partitions: 2)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("exit-summary"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: WordCountCase.topology))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        _ = try cluster.read("word-counts", count: input.outputCount)
        #expect(Self.threadNames(of: worker.process.processIdentifier).contains("eddy-stream-0"))
        #expect(try worker.stop() == 0)
        #expect(
            worker.log.contains(
                "stream thread 0 stopped cleanly: \(input.lines.count + input.outputCount) records, processing "))
    }

    /// The kernel's names of the threads of process `pid`.
    static func threadNames(of pid: Int32) -> [String] {
        let tasks = "/proc/\(pid)/task"
        let ids = (try? FileManager.default.contentsOfDirectory(atPath: tasks)) ?? []
        return ids.compactMap { id in
            (try? String(contentsOfFile: "\(tasks)/\(id)/comm", encoding: .utf8))?
                .trimmingCharacters(in: .whitespacesAndNewlines)
        }
    }

    @Test func replaceThreadKeepsProcessingExactlyOnce() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 3)
        try cluster.createTopic("word-counts", partitions: 3)
        let input = WordCountCase(lines: 3000, seed: 5)
        try cluster.produce("text-input", lines: input.lines, partitions: 3)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("exit-replace"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "uncaught.exception.handler: replace_thread", topology: WordCountCase.topology))
        let worker = try WorkerProcess(
            app: app, instance: "a", directory: dir, environment: ["EDDY_FAULT": "fail-stream-thread:2"])
        let output = try cluster.read("word-counts", count: input.outputCount)
        #expect(WordCountCase.render(output) == input.expected)
        #expect(try worker.stop() == 0)
        #expect(
            worker.log.contains(
                "stream thread 0 died: EDDY_FAULT: fail-stream-thread at arrival 2 — replacing it (uncaught.exception.handler: replace_thread; replacement 1)"
            ))
        #expect(!worker.log.contains("replacement 2"))
    }

    @Test func shutdownApplicationStopsEveryWorkerWithTwo() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 4)
        try cluster.createTopic("word-counts", partitions: 4)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("exit-app"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "uncaught.exception.handler: shutdown_application", topology: WordCountCase.topology))
        let healthy = try WorkerProcess(app: app, instance: "healthy", directory: dir)
        try healthy.waitForLog("stream thread 0 joined group")
        let failing = try WorkerProcess(
            app: app, instance: "failing", directory: dir, environment: ["EDDY_FAULT": "fail-stream-thread:1"])
        // Records produced once it runs tasks reach it (directly or through the repartition topic).
        try failing.waitForLog(" created")
        try cluster.produce("text-input", lines: WordCountCase(lines: 400).lines, partitions: 4)
        #expect(try failing.exitStatus() == 2)
        #expect(try healthy.exitStatus() == 2)
        #expect(
            failing.log.contains(
                "eddy run: application shut down (uncaught.exception.handler: shutdown_application) by this worker: stream thread 0 died: EDDY_FAULT: fail-stream-thread at arrival 1"
            ))
        #expect(
            healthy.log.contains(
                "eddy run: application shut down (uncaught.exception.handler: shutdown_application) by worker failing: stream thread 0 died: EDDY_FAULT: fail-stream-thread at arrival 1"
            ))
    }
}
