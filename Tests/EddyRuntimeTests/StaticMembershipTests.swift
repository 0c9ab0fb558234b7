import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `static.membership: true`: a worker killed with SIGKILL and restarted with the same
/// instance id takes its own partitions back at once — the group does not wait for the dead
/// member's session to expire, and the other worker keeps its partitions throughout.
@Suite struct StaticMembershipTests {
    static let topology = countPerKeyTopology

    @Test func restartedWorkerTakesItsTasksBackWithoutMovingTheOthers() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 4)
        try cluster.createTopic("counts", partitions: 4)
        let dir = TemporaryDirectory()
        // A session far longer than the bound below: without static membership the restart
        // would wait for the dead member's session to expire before the group reassigned.
        let sessionTimeoutMs = 30_000
        let yaml = appYAML(
            id: uniqueName("static"), cluster: cluster, threads: 1, stateDir: dir.path,
            extra: "static.membership: true", topology: Self.topology
        ).replacingOccurrences(of: "session.timeout.ms: \"6000\"", with: "session.timeout.ms: \"\(sessionTimeoutMs)\"")
        let app = try dir.write("app.yaml", yaml)
        let first = (0..<400).map { "k\($0)" }, second = (0..<400).map { "k\($0)" } + (0..<100).map { "n\($0)" }
        try cluster.produce("events", first.map { ($0, [1]) })

        let a = try WorkerProcess(app: app, instance: "a", directory: dir)
        try Self.waitForLines(a, "created (", count: 4)
        let b = try WorkerProcess(app: app, instance: "b", directory: dir)
        try Self.waitForLines(b, "created (", count: 2)
        _ = try cluster.read("counts", count: first.count)
        let tasksOfB = Self.tasks(createdIn: b.log)
        #expect(tasksOfB.count == 2)
        let revokedFromA = Self.revocations(a.log)

        b.crash()
        let restarted = ContinuousClock.now
        let b2 = try WorkerProcess(app: app, instance: "b", directory: dir)
        try Self.waitForLines(b2, "created (", count: 2, timeout: .seconds(sessionTimeoutMs / 2000))
        let back = ContinuousClock.now - restarted
        #expect(back < .milliseconds(sessionTimeoutMs / 2), "tasks back after \(back)")
        #expect(Self.tasks(createdIn: b2.log) == tasksOfB)

        try cluster.produce("events", second.map { ($0, [1]) })
        let output = try cluster.read("counts", count: first.count + second.count).map {
            "\($0.keyString ?? ""):\(decodeLong($0.value ?? []))"
        }
        let expected = (first.map { "\($0):1" } + second.map { $0.hasPrefix("k") ? "\($0):2" : "\($0):1" }).sorted()
        #expect(output.sorted() == expected)
        // A kept its partitions throughout: nothing was revoked from it after the first split.
        #expect(Self.revocations(a.log) == revokedFromA, "worker a log:\n\(a.log.suffix(4000))")
        #expect(try b2.stop() == 0)
        #expect(try a.stop() == 0)
    }

    /// The task ids of the "task 0_3 created (…)" lines.
    static func tasks(createdIn log: String) -> Set<String> {
        Set(
            log.split(separator: "\n").compactMap { line in
                guard let range = line.range(of: "task "), let end = line.range(of: " created (") else { return nil }
                return String(line[range.upperBound..<end.lowerBound])
            })
    }

    /// The non-empty revocations a worker's consumer saw.
    static func revocations(_ log: String) -> Int {
        log.split(separator: "\n").filter { $0.contains("rebalance: revoked([") && !$0.contains("revoked([])") }.count
    }

    static func waitForLines(_ worker: WorkerProcess, _ text: String, count: Int, timeout: Duration = .seconds(60))
        throws
    {
        try waitUntil(
            "the worker log shows \(count) × '\(text)'", timeout: timeout,
            detail: { "; log:\n\(worker.log.suffix(4000))" }
        ) {
            guard worker.process.isRunning else {
                throw WorkerError(description: "the worker exited; log:\n\(worker.log.suffix(4000))")
            }
            return worker.log.components(separatedBy: text).count - 1 >= count
        }
    }
}
