import EddySDK

/// One node of a task's graph: an operator (Kafka Streams' `KStreamFilter`,
/// `KStreamAggregate`…), a plugin processor, a source or a sink. The task calls
/// ``process(_:)`` with a run of records; the node sends what it makes to its children with
/// ``forward(_:)``, run by run.
///
/// Used only by the stream thread that owns the task.
open class GraphNode {
    /// The node's name in the topology.
    public let name: String
    /// The nodes this one sends its records to, in topology order.
    public internal(set) var children: [GraphNode] = []
    /// The task's graph, set when the graph is assembled. Unowned and unchecked: the graph
    /// owns its nodes and outlives every call into them, and a node reaches it on every run
    /// (a weak reference would cost atomic operations each time).
    public internal(set) unowned(unsafe) var graph: TaskGraph!

    public init(name: String) {
        self.name = name
    }

    /// What the node does, for messages (`filter`, `count`…).
    open var operatorName: String { "node" }

    /// Processes a run of records (borrowed for the call). Record-level failures go to
    /// ``TaskGraph/reject(origin:reason:node:plugin:)``; a thrown error fails the task.
    open func process(_ run: RecordRun) throws {
        try forward(run)
    }

    /// Ends the node (the task closes): release what the node holds in a plugin.
    open func close() {}

    /// The node that takes the records of `parent`: this node, or for a node that tells its
    /// inputs apart (a join's left and right), the side `parent` feeds.
    open func input(from parent: String) -> GraphNode { self }

    /// Sends `run` to every child, in order.
    @inlinable
    public func forward(_ run: RecordRun) throws {
        guard run.count > 0 else { return }
        for child in children { try child.process(run) }
    }
}

/// A source node: the task hands it the records of its input partitions; it passes them on.
public class SourceNode: GraphNode {
    /// The plugin's timestamp extractor of the source, if it has one.
    public internal(set) var extractor: FunctionCaller? {
        didSet { extractor?.take = { [unowned(unsafe) self] _, _, _, value, _ in extracted = Self.time(value) } }
    }
    /// The time the extractor emitted for the record being extracted (nil: none, or not 8 bytes).
    private var extracted: Int64?

    private static func time(_ value: eddy_bytes) -> Int64? {
        guard value.len == 8, let bytes = value.ptr else { return nil }
        return (0..<8).reduce(Int64(0)) { $0 << 8 | Int64(bytes[$1]) }
    }

    /// The event time of `record` (input record `origin` of the run being checked): the
    /// record's timestamp, or what the source's timestamp extractor gives it. Nil when the
    /// extractor rejected the record or gave no time or a negative one; the record has then
    /// gone to the error policy.
    public func eventTime(of record: UnsafePointer<eddy_record>, origin: Int32) throws -> Int64? {
        guard let extractor else { return record.pointee.timestamp }
        extracted = nil
        var origin = origin
        var rejected = false
        try withUnsafePointer(to: &origin) { originPointer in
            try extractor.apply(RecordRun(records: record, origins: originPointer, count: 1)) { _ in rejected = true }
        }
        guard !rejected else { return nil }
        let reason: String
        if let time = extracted {
            if time >= 0 { return time }
            reason = "the timestamp extractor gave a negative event time (\(time))"
        } else {
            reason = "the timestamp extractor gave no event time (8 big-endian bytes)"
        }
        try graph.reject(origin: origin, reason: reason, node: name, plugin: extractor.function.plugin)
        return nil
    }

    /// The event time the source's timestamp extractor gives `record` ahead of processing (a
    /// task ordering its input by event time): nil when it rejects the record or gives no
    /// time or a negative one, which is then reported when the record is processed.
    public func extractedTime(of record: UnsafePointer<eddy_record>) throws -> Int64? {
        guard let extractor else { return record.pointee.timestamp }
        extracted = nil
        var origin: Int32 = 0
        var rejected = false
        try withUnsafePointer(to: &origin) { originPointer in
            try extractor.apply(
                RecordRun(records: record, origins: originPointer, count: 1), reportsRejections: false
            ) { _ in rejected = true }
        }
        guard !rejected, let time = extracted, time >= 0 else { return nil }
        return time
    }
}

/// A passthrough node: merges, branch outputs and `toStream` pass records on unchanged.
public final class PassthroughNode: GraphNode {}
