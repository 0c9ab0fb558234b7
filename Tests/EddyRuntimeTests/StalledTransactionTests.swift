import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// KIP-447's stable offsets from the side of the next owner: offsets a stopped owner put into
/// its open transaction are not committed until that transaction ends, and the group answers
/// "unstable" for them meanwhile.
@Suite struct StalledTransactionTests {
    /// A worker stops after putting its second batch's offsets into its transaction, before
    /// committing it. Its partition moves to a successor, which must not start from the first
    /// batch's offsets while the second's may still commit: it waits until the transaction
    /// coordinator aborts the stalled transaction, `transaction.timeout.ms` (45 s) after it
    /// began — past the 30 s after which the successor's thread used to give up and the worker
    /// exit — and then processes the second batch itself: every count exactly once.
    @Test func aSuccessorWaitsOutOffsetsAStalledTransactionHolds() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("counts", partitions: 1)
        let dir = TemporaryDirectory()
        let applicationId = uniqueName("unstable")
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: applicationId, cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 100\ntransaction.timeout.ms: 45000", topology: countPerKeyTopology))
        let keys = (0..<10).map { "k\($0)" }
        let batch = (1...5).flatMap { _ in keys.map { (key: Optional($0), value: [UInt8]?([1])) } }

        try cluster.produce("events", batch)
        let stalled = try WorkerProcess(
            app: app, instance: "a", directory: dir, environment: ["EDDY_FAULT": "stop-before-commit-transaction:2"])
        _ = try cluster.read("counts", count: batch.count)
        try cluster.produce("events", batch)
        try stalled.waitForLog("EDDY_FAULT: stopping")

        let successor = try WorkerProcess(app: app, instance: "b", directory: dir)
        try successor.waitForLog("task 0_0 created", timeout: .seconds(90))
        let output = try cluster.read("counts", count: 2 * batch.count)
        var counts: [String: [Int64]] = [:]
        for record in output { counts[record.keyString ?? "null", default: []].append(decodeLong(record.value ?? [])) }
        #expect(
            counts == Dictionary(uniqueKeysWithValues: keys.map { ($0, (1...10).map(Int64.init)) }),
            "successor:\n\(successor.log.suffix(4000))")
        stalled.crash()
        #expect(try successor.stop() == 0)
    }
}
