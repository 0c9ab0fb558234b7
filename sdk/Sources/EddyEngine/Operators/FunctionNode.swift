import EddyHost
import EddySDK

/// A stateless DSL operator whose function lives in a plugin (Kafka Streams' `KStreamFilter`,
/// `KStreamMapValues`…): the host runs the operator, and calls the plugin's `apply` once
/// per run of records. Subclasses say what the results mean.
public class FunctionNode: GraphNode {
    /// Calls the plugin's function.
    public private(set) var caller: FunctionCaller!
    /// Collects what the node sends on.
    let output = RunBuffer()

    init(
        name: String, function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>, taskId: String,
        applicationId: String,
        allowsSeveralOutputs: Bool = false
    ) {
        super.init(name: name)
        caller = FunctionCaller(
            function: function, entry: entry, node: self, taskId: taskId, applicationId: applicationId,
            allowsSeveralOutputs: allowsSeveralOutputs)
        caller.take = { [unowned(unsafe) self] index, record, key, value, origin in
            take(index: index, record: record, key: key, value: value, origin: origin)
        }
        caller.outputCount = { [unowned(unsafe) self] in output.count }
        caller.discard = { [unowned(unsafe) self] count in output.truncate(to: count) }
    }

    /// Which plugin node's function this is.
    public var function: Topology.PluginFunction { caller.function }

    /// Calls `apply` on `run` (see ``FunctionCaller/apply(_:aggregates:results:rejected:)``).
    func apply(
        _ run: RecordRun, aggregates: UnsafePointer<eddy_bytes>? = nil, results: UnsafeMutablePointer<Int32>? = nil,
        rejected: (Int) -> Void = { _ in }
    ) throws {
        try caller.apply(run, aggregates: aggregates, results: results, rejected: rejected)
    }

    /// Takes an output the plugin emitted for record `index` of the run given to `apply`.
    func take(index: Int, record: eddy_record, key: eddy_bytes, value: eddy_bytes, origin: Int32) {}

    /// Sends the collected outputs to the children (marked as the plugin's), then empties the buffer.
    func deliverOutput() throws {
        defer { output.reset() }
        guard output.count > 0 else { return }
        let outer = graph.deliveringPlugin
        graph.deliveringPlugin = function.plugin
        defer { graph.deliveringPlugin = outer }
        try forward(output.run)
    }
}
