import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Several `eddy run` processes with one `application.id` share the partitions through the
/// consumer group; when one leaves, the others take its tasks, restoring state from the
/// changelogs.
@Suite struct WorkerGroupTests {
    @Test(arguments: ["at_least_once", "exactly_once_v2"])
    func twoWorkersShareTheWorkAndOneLeavingLosesNothing(guarantee: String) throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 2000)
        let half = input.lines.count / 2
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("group"), cluster: cluster, guarantee: guarantee, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 100", topology: WordCountCase.topology))

        try cluster.produce("text-input", lines: Array(input.lines[..<half]), partitions: 6)
        let a = try WorkerProcess(app: app, instance: "worker-a", directory: dir)
        let b = try WorkerProcess(app: app, instance: "worker-b", directory: dir)
        try a.waitForLog("created (")
        try b.waitForLog("created (")
        let exactlyOnce = guarantee == "exactly_once_v2"
        let firstExpected = Set(WordCountCase(lines: Array(input.lines[..<half])).expected)
        let firstHalf = WordCountCase.render(
            try cluster.read("word-counts", until: "the first half's counts") {
                firstExpected.isSubset(of: WordCountCase.render($0))
            })
        if exactlyOnce { #expect(firstHalf.count == half * 4, "A:\n\(a.log.suffix(5000))\nB:\n\(b.log.suffix(5000))") }
        #expect(try b.stop() == 0)
        try cluster.produce("text-input", lines: Array(input.lines[half...]), partitions: 6)
        let expected = Set(input.expected)
        let output = WordCountCase.render(
            try cluster.read("word-counts", until: "every count") { expected.isSubset(of: WordCountCase.render($0)) })
        #expect(try a.stop() == 0)

        if exactlyOnce {
            #expect(output == input.expected)
        } else {
            // At-least-once: nothing lost. A record processed again after a rebalance counts
            // twice, so counts may run past the exact ones, but every exact one is there.
            #expect(expected.isSubset(of: output), "worker A log:\n\(a.log.suffix(6000))")
        }
    }

    /// `eddy run app.yaml` started twice on one machine, each with its own state directory and
    /// no instance id: each takes the identity kept in its state directory, so their
    /// transactional ids differ and neither fences the other; a third worker on a state
    /// directory in use is refused, naming the fix.
    @Test func workersFromOneAppFileGetIdentitiesOfTheirOwn() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 1000)
        let dir = TemporaryDirectory()
        let applicationId = uniqueName("identity")
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: applicationId, cluster: cluster, threads: 1, stateDir: dir.path, extra: "commit.interval.ms: 100",
                topology: WordCountCase.topology))

        let a = try WorkerProcess(app: app, instance: "a", directory: dir, givingInstanceId: false)
        let b = try WorkerProcess(app: app, instance: "b", directory: dir, givingInstanceId: false)
        try a.waitForLog("created (")
        try b.waitForLog("created (")
        try cluster.produce("text-input", lines: input.lines, partitions: 6)
        let expected = Set(input.expected)
        let output = WordCountCase.render(
            try cluster.read("word-counts", until: "every count") { expected.isSubset(of: WordCountCase.render($0)) })

        let intruder = try WorkerProcess(app: app, instance: "a", directory: dir, givingInstanceId: false)
        #expect(try intruder.exitStatus() != 0)
        #expect(
            intruder.log.contains(
                "state directory \(dir.path)/state-a/\(applicationId) is in use by another worker (pid \(a.process.processIdentifier) "
            ),
            "log:\n\(intruder.log.suffix(3000))")
        #expect(try a.stop() == 0)
        #expect(try b.stop() == 0)

        #expect(output == input.expected, "A:\n\(a.log.suffix(5000))\nB:\n\(b.log.suffix(5000))")
        let ids = [a, b].map { Self.instanceId(in: $0.log) }
        #expect(ids[0] != nil && ids[1] != nil && ids[0] != ids[1], "instance ids: \(ids)")
        for worker in [a, b] { #expect(!worker.log.contains("fenced"), "log:\n\(worker.log.suffix(5000))") }
    }

    /// The instance id a worker's start-up line names (`… exactly_once_v2, instance eddy-…`).
    static func instanceId(in log: String) -> String? {
        log.split(separator: "\n").first { $0.contains("stream thread(s) started") }?.split(separator: " ").last.map(
            String.init)
    }
}
