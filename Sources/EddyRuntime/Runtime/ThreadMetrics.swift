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
    let lag = Mutex<[KafkaTopicPartition: Int64]>([:])
    /// The tasks the thread runs and those it restores, for the metadata topic and `/ready`;
    /// written only when the assignment changes.
    let assignment = Mutex<(running: Set<TaskId>, restoring: Set<TaskId>)>(([], []))
}
