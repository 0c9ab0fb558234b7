import EddyKafka
import Synchronization

/// Counters a stream thread publishes for progress reports.
final class ThreadMetrics: Sendable {
    let processed = Atomic<Int>(0)
    let restored = Atomic<Int>(0)
    let commits = Atomic<Int>(0)
    let tasks = Atomic<Int>(0)
    /// Tasks restoring their stores, and the changelog offsets they have read of the total.
    let restoringTasks = Atomic<Int>(0)
    let restoreDone = Atomic<Int>(0)
    let restoreTotal = Atomic<Int>(0)
    /// Records handed to the error handler (dead-lettered, skipped, or failing the thread).
    let failed = Atomic<Int>(0)
    /// Records an operator skipped on purpose (null keys in aggregations): Kafka Streams'
    /// `dropped-records`.
    let dropped = Atomic<Int>(0)
    /// Assignment changes that moved partitions (assigned, revoked or lost; the cooperative
    /// protocol's empty rounds are not counted) this thread's consumer has seen.
    let rebalances = Atomic<Int>(0)
    /// Punctuations fired, and the time spent in them (ns): `punctuate-rate`, `punctuate-latency-avg`.
    let punctuations = Atomic<Int>(0)
    let punctuateNanos = Atomic<Int>(0)
    let lag = Mutex<[KafkaTopicPartition: Int64]>([:])
    /// Polls of the consumer, every rebalance event (empty rounds too: a thread that saw one
    /// has joined the group), and time spent processing and committing (ns, with the largest
    /// per-record average of one run and the longest commit since the sampler last took them).
    let polls = Atomic<Int>(0)
    let rebalanceEvents = Atomic<Int>(0)
    let processNanos = Atomic<Int>(0)
    let processMaxNanos = Atomic<Int>(0)
    let commitNanos = Atomic<Int>(0)
    let commitMaxNanos = Atomic<Int>(0)
    /// Of the commits' time (ns): waiting for the broker (the transaction's commit under
    /// exactly-once, the producer's flush under at-least-once) and writing the stores'
    /// checkpoints, for the summary a stream thread logs when it stops.
    let commitWaitNanos = Atomic<Int>(0)
    let checkpointNanos = Atomic<Int>(0)
    /// What the plugins' processors recorded through their context (`count`, `gauge`),
    /// copied from the stream thread about once a second.
    let pluginMetrics = Mutex<[PluginMetric]>([])
    /// Each running task's counters, copied from the stream thread about once a second.
    let taskSamples = Mutex<[TaskSample]>([])
    /// The tasks the thread runs and those it restores, for the metadata topic and `/ready`;
    /// written only when the assignment changes.
    let assignment = Mutex<(running: Set<TaskId>, restoring: Set<TaskId>)>(([], []))
}
