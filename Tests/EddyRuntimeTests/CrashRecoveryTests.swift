import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Exactly-once under kill -9: a worker killed in the middle of its transactions and started
/// again (same instance id, so it fences its zombie at once) produces, in `read_committed`
/// output, exactly the records a crash-free run would: no duplicate, no gap.
@Suite struct CrashRecoveryTests {
    @Test func killedMidTransactionTheOutputIsStillExact() throws {
        let cluster = try Cluster()
        // The broker outlives every worker of this test (a worker left running would
        // reconnect to whichever test's broker binds the port next).
        defer { withExtendedLifetime(cluster) {} }
        let (inputTopic, outputTopic) = (uniqueName("text-input"), uniqueName("word-counts"))
        try cluster.createTopic(inputTopic, partitions: 6)
        try cluster.createTopic(outputTopic, partitions: 6)
        let input = WordCountCase(lines: 6000, seed: 7)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("crash"), cluster: cluster, threads: 2, stateDir: dir.path,
                extra: "commit.interval.ms: 100",
                topology: WordCountCase.topology(input: inputTopic, output: outputTopic)))
        let third = input.lines.count / 3

        // Kill points: while the first, then the second third of the input is being processed
        // (half of each third's output is committed and read before the kill).
        for phase in 0..<2 {
            try cluster.produce(
                inputTopic, lines: Array(input.lines[(phase * third)..<((phase + 1) * third)]), partitions: 6)
            let worker = try WorkerProcess(app: app, instance: "crashy", directory: dir)
            _ = try cluster.read(outputTopic, count: (phase * third + third / 2) * 4)
            worker.crash()
        }
        try cluster.produce(inputTopic, lines: Array(input.lines[(2 * third)...]), partitions: 6)
        let survivor = try WorkerProcess(app: app, instance: "crashy", directory: dir)
        let output = WordCountCase.render(try cluster.read(outputTopic, count: input.outputCount))
        #expect(try survivor.stop() == 0)

        #expect(output.count == input.outputCount)
        #expect(output == input.expected)
        #expect(survivor.log.contains("changelog records restored"), "the restarted worker restores state")
    }
}
