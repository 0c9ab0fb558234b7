import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Issue 25, part 2 — KIP-447 end to end: a worker that stalls (stopped, not killed) in the
/// middle of an exactly-once commit, its transaction open, past its session timeout, while
/// its partition moves to another worker. When it resumes, the group coordinator refuses its
/// offsets (its member is gone), it aborts its transaction, closes its tasks and rejoins; the
/// output has every count exactly once.
@Suite struct ZombieFencingTests {
    @Test func aStalledWorkerIsFencedByTheGroupAndTheOutputHasNoDuplicate() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("counts", partitions: 1)
        let dir = TemporaryDirectory()
        let applicationId = uniqueName("zombie")
        // A transaction timeout far past the stall: the group must fence the zombie, not the
        // coordinator's abort of a transaction open too long.
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: applicationId, cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 100\ntransaction.timeout.ms: 60000", topology: countPerKeyTopology))
        let keys = (0..<10).map { "k\($0)" }
        let batch = (1...5).flatMap { _ in keys.map { (key: Optional($0), value: [UInt8]?([1])) } }

        try cluster.produce("events", batch)
        let zombie = try WorkerProcess(
            app: app, instance: "a", directory: dir, environment: ["EDDY_FAULT": "stop-before-offsets-to-transaction:1"]
        )
        try zombie.waitForLog("EDDY_FAULT: stopping")
        let successor = try WorkerProcess(app: app, instance: "b", directory: dir)
        // The successor gets the partition once the zombie's session (6 s) expires (a zombie
        // resumed early, by anything but this test, would keep it), and commits.
        try successor.waitForLog("task 0_0 created", timeout: .seconds(30))
        try waitUntil(
            "the successor committed the first batch", timeout: .seconds(30),
            detail: { "; B:\n\(successor.log.suffix(4000))\nA:\n\(zombie.log.suffix(4000))" }
        ) {
            try cluster.broker.committedOffset(group: applicationId, topic: "events", partition: 0)
                == Int64(batch.count)
        }

        zombie.resume()
        try zombie.waitForLog("the group refused this member's offsets (UNKNOWN_MEMBER_ID", timeout: .seconds(30))
        try StaticMembershipTests.waitForLines(zombie, "joined group", count: 2, timeout: .seconds(30))

        try cluster.produce("events", batch)
        let output = try cluster.read("counts", count: 2 * batch.count)
        var counts: [String: [Int64]] = [:]
        for record in output { counts[record.keyString ?? "null", default: []].append(decodeLong(record.value ?? [])) }
        #expect(
            counts == Dictionary(uniqueKeysWithValues: keys.map { ($0, (1...10).map(Int64.init)) }),
            "zombie:\n\(zombie.log.suffix(4000))\nsuccessor:\n\(successor.log.suffix(4000))")
        #expect(try zombie.stop() == 0)
        #expect(try successor.stop() == 0)
    }
}
