import BenchKit
import Foundation

/// Recovery time after kill -9 under exactly_once_v2 with `keys` keys of state.
///
/// A worker counts `keys` distinct keys over six partitions (six tasks, six RocksDB stores),
/// then gets `updates` more records; while it processes them it is killed with SIGKILL. A
/// new worker with the same instance id and state directory starts at once. Measured from
/// its launch: all six tasks ready (the dead member has left the group, the stores are open
/// and have replayed their changelog tails), its first committed output, and the end of the
/// input. The restored counts show that only the tail is replayed, whatever the state size.
/// With `staticMembership` the new worker takes the dead one's place in the group at once;
/// without, the group waits for the dead member's session to expire. Each step of the
/// restart is timed from the worker's log: threads started (process start, plugin load,
/// internal topics), partitions assigned (group join), all tasks ready (stores open, tails
/// replayed), first committed output.
func benchRecoveryTime(products: String, keys: Int, updates: Int, sessionTimeoutMs: Int, staticMembership: Bool) throws
{
    let cluster = try BenchCluster()
    let partitions: Int32 = 6
    try withScratchDirectory("eddy-recovery-bench") { directory in
        let bench = BenchApp(
            applicationId: "recovery-bench", products: products, directory: directory, cluster: cluster)
        try cluster.createTopic("input", partitions: partitions)
        try cluster.createTopic("output", partitions: partitions)
        let app = try bench.write(sessionTimeoutMs: sessionTimeoutMs, staticMembership: staticMembership)
        let stateDir = directory + "/state-worker"
        let output = try CommittedCounter(cluster: cluster, topic: "output", partitions: partitions)
        defer { output.stop() }

        try cluster.produce("input", count: keys, partitions: partitions)
        let first = try bench.launch(app, instance: "worker", stateDir: stateDir, log: "first.log")
        try first.waitForLines("task 0_\(partitions - 1) created")
        let processing = ContinuousClock.now
        let built = try output.waitFor(keys)
        print(
            "state of \(keys) keys built at \(format(Double(keys) / seconds(processing, built))) records/s "
                + "(stateful count, exactly_once_v2, one stream thread)")

        try cluster.produce("input", count: updates, keys: keys, partitions: partitions)
        try output.waitFor(keys + updates / 4)
        first.crash()
        let killed = ContinuousClock.now
        // Let the counter read everything the dead worker committed, so that the next record
        // counted is the new worker's.
        let committedAtCrash = output.settled(quiet: .milliseconds(250))
        print(
            "killed with SIGKILL after \(committedAtCrash - keys) of \(updates) updates committed; "
                + "state on disk \(directorySize(stateDir) >> 20) MiB")

        let second = try bench.launch(app, instance: "worker", stateDir: stateDir, log: "second.log")
        let threadsStarted = try second.waitForLines("stream thread(s) started")
        let assigned = try second.waitForLines("rebalance: assigned([")
        let tasks = try second.waitForEach("created (", count: Int(partitions))
        let ready = tasks.last!
        let restored = restoredCount(second.lines(containing: "created ("))
        for line in second.lines(containing: "restored \(BenchApp.store) from") {
            print("  " + (line.range(of: "restored ").map { String(line[$0.lowerBound...]) } ?? line))
        }
        let firstOutput = try output.waitFor(committedAtCrash + 1)
        let done = try output.waitFor(keys + updates)
        second.stop()
        let extra = output.settled(quiet: .milliseconds(500)) - (keys + updates)
        func since(_ instant: ContinuousClock.Instant) -> String {
            "\(format(seconds(second.launched, instant), 2)) s (\(format(seconds(killed, instant), 2)) s after the kill)"
        }
        print(
            "recovery steps with \(keys) keys, static.membership \(staticMembership), from launch: threads started "
                + "\(format(seconds(second.launched, threadsStarted), 2)) s, partitions assigned \(format(seconds(second.launched, assigned), 2)) s, "
                + "all tasks ready \(format(seconds(second.launched, ready), 2)) s, first committed output \(format(seconds(second.launched, firstOutput), 2)) s"
        )
        print(
            "recovery with \(keys) keys: restarted \(format(seconds(killed, second.launched), 2)) s after the kill; "
                + "first task ready \(since(tasks.first!)), all \(partitions) tasks ready \(since(ready)) with \(restored) changelog records restored; "
                + "first committed output \(since(firstOutput)); input done \(since(done)); session.timeout.ms \(sessionTimeoutMs), static.membership \(staticMembership); "
                + "\(extra == 0 ? "output exact (\(keys + updates) records)" : "\(extra) records too many")")

        // The same start after a clean stop: no dead member to wait for, nothing to replay.
        let third = try bench.launch(app, instance: "worker", stateDir: stateDir, log: "third.log")
        let thirdTasks = try third.waitForEach("created (", count: Int(partitions))
        let thirdRestored = restoredCount(third.lines(containing: "created ("))
        third.stop()
        print(
            "clean restart with \(keys) keys: first task ready \(format(seconds(third.launched, thirdTasks.first!), 2)) s "
                + "after launch, all \(partitions) tasks ready \(format(seconds(third.launched, thirdTasks.last!), 2)) s "
                + "with \(thirdRestored) records restored")
    }
}
