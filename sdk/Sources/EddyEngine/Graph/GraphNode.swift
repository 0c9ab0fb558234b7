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

    /// Sends `run` to every child, in order.
    @inlinable
    public func forward(_ run: RecordRun) throws {
        guard run.count > 0 else { return }
        for child in children { try child.process(run) }
    }
}

/// A source node: the task hands it the records of its input partitions; it passes them on.
public final class SourceNode: GraphNode {}

/// A passthrough node: merges, branch outputs and `toStream` pass records on unchanged.
public final class PassthroughNode: GraphNode {}
