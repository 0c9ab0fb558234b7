import BenchKit
import Foundation

/// Restore rate: `records` changelog records (16 B keys, 100 B values) in one changelog
/// partition, restored into RocksDB by a worker that starts on an empty state directory —
/// the runtime's ChangelogReader against `eddy-broker`, as after a task moves to a new machine.
///
/// Prints, per run, the restorer's own rate (its restore loop: poll, copy, write batches)
/// and the time from launching `eddy run` until the task is ready to process.
func benchRestoreRate(products: String, records: Int, runs: Int) throws {
    let cluster = try BenchCluster()
    try withScratchDirectory("eddy-recovery-bench") { directory in
        let bench = BenchApp(applicationId: "restore-bench", products: products, directory: directory, cluster: cluster)
        try cluster.createTopic("input", partitions: 1)
        try cluster.createTopic("output", partitions: 1)
        try cluster.createTopic(bench.changelogTopic, partitions: 1, compacted: true)
        let produced = try cluster.produce(bench.changelogTopic, count: records, partitions: 1)
        print("changelog: \(records) records of 16 B keys and 100 B values produced at \(format(produced)) records/s")
        let app = try bench.write(sessionTimeoutMs: 6000, staticMembership: false)

        for run in 1...runs {
            let stateDir = "\(directory)/state-\(run)"
            let worker = try bench.launch(
                app, instance: "restore-\(run)", stateDir: stateDir, log: "restore-\(run).log")
            let ready = try worker.waitForLines("task 0_0 created")
            let restorerLine = worker.lines(containing: "restored \(BenchApp.store) from").first ?? "(no restore line)"
            let restored = restoredCount(worker.lines(containing: "task 0_0 created"))
            worker.stop()
            guard restored == records else {
                throw BenchError(
                    "run \(run) restored \(restored) records, not \(records); log:\n\(worker.log.suffix(3000))")
            }
            let total = seconds(worker.launched, ready)
            let rate = restorerLine.split(separator: ", ").last.map(String.init) ?? "?"
            print(
                "restore run \(run): \(restored) records; restore loop \(rate); launch to task ready \(format(total, 2)) s "
                    + "= \(format(Double(restored) / total)) records/s overall; state on disk \(directorySize(stateDir) >> 20) MiB"
            )
        }
    }
}
