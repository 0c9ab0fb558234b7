import EddyKafka

/// One stream thread's counters at one moment (cumulative since it started, but the two
/// maxima, which cover the time since the previous sample): what the endpoint's once-a-second
/// sampler turns into Kafka Streams' rates and latencies.
public struct ThreadSample: Sendable {
    public var thread: Int
    public var processed: Int
    public var polls: Int
    public var processNanos: Int
    public var processMaxNanos: Int
    public var commits: Int
    public var commitNanos: Int
    public var commitMaxNanos: Int
    /// Records an operator skipped (null keys in aggregations): `dropped-records`.
    public var dropped: Int
    /// Records handed to the error handlers.
    public var failed: Int
    public var rebalances: Int
    public var tasks: Int
    public var restoringTasks: Int
    public var restoreDone: Int
    public var restoreTotal: Int
    public var restored: Int
    /// Punctuations fired, and the time spent in them (ns).
    public var punctuations: Int = 0
    public var punctuateNanos: Int = 0
    /// The thread's running tasks' counters, as of the thread's last copy (about a second old).
    public var taskSamples: [TaskSample] = []
}

/// One task's counters at one moment, cumulative since the task was created on this thread.
public struct TaskSample: Sendable, Equatable {
    /// The task id (`1_3`).
    public var task: String
    /// Records its operators skipped: Kafka Streams' per-task `dropped-records-total`.
    public var dropped: Int
    /// Time spent processing its records (ns): over wall time, `active-process-ratio`.
    public var processNanos: Int
    /// Times a task reading several partitions processed while one of them was empty and its
    /// wait (`max.task.idle.ms`) had run out: Kafka Streams' `enforced-processing-total`.
    public var enforcedProcessing: Int = 0
    /// Time it waited for an empty partition with records of the others buffered (ns).
    public var idleNanos: Int = 0
    /// Its stores' operation counts (`metrics.recording.level: DEBUG` only; empty otherwise).
    public var stores: [StoreSample] = []
}

extension StreamsApp {
    /// Every running thread's counters now; takes (and resets) the maxima.
    public func sampleThreads() -> [ThreadSample] {
        threads.map { thread in
            let m = thread.metrics
            return ThreadSample(
                thread: thread.index, processed: m.processed.load(ordering: .relaxed),
                polls: m.polls.load(ordering: .relaxed),
                processNanos: m.processNanos.load(ordering: .relaxed),
                processMaxNanos: m.processMaxNanos.exchange(0, ordering: .relaxed),
                commits: m.commits.load(ordering: .relaxed), commitNanos: m.commitNanos.load(ordering: .relaxed),
                commitMaxNanos: m.commitMaxNanos.exchange(0, ordering: .relaxed),
                dropped: m.dropped.load(ordering: .relaxed),
                failed: m.failed.load(ordering: .relaxed), rebalances: m.rebalances.load(ordering: .relaxed),
                tasks: m.tasks.load(ordering: .relaxed), restoringTasks: m.restoringTasks.load(ordering: .relaxed),
                restoreDone: m.restoreDone.load(ordering: .relaxed),
                restoreTotal: m.restoreTotal.load(ordering: .relaxed),
                restored: m.restored.load(ordering: .relaxed), punctuations: m.punctuations.load(ordering: .relaxed),
                punctuateNanos: m.punctuateNanos.load(ordering: .relaxed), taskSamples: m.taskSamples.withLock { $0 })
        }
    }

    /// What the plugins' processors recorded through their contexts, across the threads.
    public func pluginMetrics() -> [PluginMetric] { threads.flatMap { $0.metrics.pluginMetrics.withLock { $0 } } }

    /// The consumer lag of every assigned partition (librdkafka's statistics, once a second).
    public func partitionLag() -> [KafkaTopicPartition: Int64] { progress().lag }
}

extension StreamsApp {
    /// Plugin reloads refused since the start.
    public var reloadRefusals: Int { plugins.refusals.load(ordering: .relaxed) }
}
