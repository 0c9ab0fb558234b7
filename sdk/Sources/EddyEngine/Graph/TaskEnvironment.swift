import EddySDK

/// What a task's graph needs from whoever runs it: the Eddy host (Kafka, RocksDB, the
/// dead-letter topic) or `TopologyTestDriver` (memory, lists).
public protocol TaskEnvironment: AnyObject {
    /// Input record `origin` of the current run (-1: a record a punctuation made) failed
    /// at `node`, run by `plugin` when a plugin's code failed it: route it as the error
    /// policy says (dead-letter, skip, or throw to fail the task).
    func reject(origin: Int32, reason: String, node: String, plugin: String?) throws

    /// An operator skipped input record `origin` on purpose (a null key in an aggregation):
    /// count it as dropped, as Kafka Streams' `dropped-records` metric does.
    func dropped(origin: Int32, node: String, reason: String)

    /// The wall-clock time (ms since the epoch) plugins see.
    var wallClockTime: Int64 { get }

    /// A log line of a plugin's code running at `node`.
    func log(_ level: LogLevel, _ message: String, node: String)
}
