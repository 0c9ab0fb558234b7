import Synchronization

// Time a stream thread spends processing and committing, for `process-latency-*` and
// `commit-latency-*`: two clock reads per run of records (one partition's records of one
// fetch) and per commit, never per record.
extension StreamThread {
    /// Runs `body` (the processing of a run of `count` records) and adds its time.
    @inline(__always)
    func timedProcess(_ count: Int, _ body: () throws -> Void) rethrows {
        let start = ContinuousClock.now
        defer {
            let nanos = (ContinuousClock.now - start).nanoseconds
            metrics.processNanos.add(nanos, ordering: .relaxed)
            lastInput?.task.processNanos += nanos  // the task whose run this was
            _ = metrics.processMaxNanos.max(nanos / Swift.max(count, 1), ordering: .relaxed)
        }
        try body()
    }

    /// Runs `body` (the processing of a run of `count` records of `task`, taken from its
    /// partition group) and adds its time.
    @inline(__always)
    func timedProcess(_ count: Int, for task: StreamTask, _ body: () throws -> Void) rethrows {
        let start = ContinuousClock.now
        defer {
            let nanos = (ContinuousClock.now - start).nanoseconds
            metrics.processNanos.add(nanos, ordering: .relaxed)
            task.processNanos += nanos
            _ = metrics.processMaxNanos.max(nanos / Swift.max(count, 1), ordering: .relaxed)
        }
        try body()
    }

    /// Runs `body` (a commit, which may do nothing when nothing is due) and adds its time.
    func timedCommit(_ body: () throws -> Void) rethrows {
        let commits = metrics.commits.load(ordering: .relaxed)
        let start = ContinuousClock.now
        try body()
        guard metrics.commits.load(ordering: .relaxed) != commits else { return }
        let nanos = (ContinuousClock.now - start).nanoseconds
        metrics.commitNanos.add(nanos, ordering: .relaxed)
        _ = metrics.commitMaxNanos.max(nanos, ordering: .relaxed)
    }

    /// Runs `body` (a part of a commit: its wait for the broker, its checkpoints) and adds its
    /// time to `total` (``ThreadMetrics/commitWaitNanos``, ``ThreadMetrics/checkpointNanos``).
    func timedCommitPart(_ total: borrowing Atomic<Int>, _ body: () throws -> Void) rethrows {
        let start = ContinuousClock.now
        defer { total.add((ContinuousClock.now - start).nanoseconds, ordering: .relaxed) }
        try body()
    }

    /// Where the thread's time went, for its last log line: records processed, time
    /// processing them, and time committing (of it, waiting for the broker and writing
    /// checkpoints).
    var timeSpent: String {
        func seconds(_ nanos: Int) -> String { "\((Double(nanos) / 1e6).rounded() / 1000) s" }
        let m = metrics
        return
            "\(m.processed.load(ordering: .relaxed)) records, processing \(seconds(m.processNanos.load(ordering: .relaxed))); "
            + "\(m.commits.load(ordering: .relaxed)) commits, \(seconds(m.commitNanos.load(ordering: .relaxed))) "
            + "(waiting for the broker \(seconds(m.commitWaitNanos.load(ordering: .relaxed))), "
            + "checkpoints \(seconds(m.checkpointNanos.load(ordering: .relaxed))))"
    }
}

extension Duration {
    /// The duration in whole nanoseconds.
    var nanoseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000)
    }
}
