import EddyHost
import EddySDK

/// A DSL operator whose function lives in a plugin (Kafka Streams' `KStreamFilter`,
/// `KStreamMapValues`…): the host runs the operator, and calls the plugin's `apply` once
/// per run of records. Subclasses say what the results mean.
public class FunctionNode: GraphNode {
    /// Which plugin node's `apply` this is.
    public let function: Topology.PluginFunction
    /// The node entry of the build in use; a hot reload points it at the new build's.
    public private(set) var entry: UnsafePointer<eddy_node>
    /// Collects what the node sends on.
    let output = RunBuffer()
    private var context: FunctionContext!
    private var contextPointer: OpaquePointer!
    /// The records and offset of the `apply` in progress, for `emit`.
    private var call: (run: RecordRun, offset: Int)?
    /// The output count before the first output of the record `lastEmitted`, so that a
    /// rejected record's outputs can be discarded.
    private var lastEmitted = -1
    private var lastEmittedStart = 0

    init(name: String, function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>) {
        self.function = function
        self.entry = entry
        super.init(name: name)
    }

    func attach(_ context: FunctionContext) {
        self.context = context
        context.node = self
        contextPointer = HostAPITable.contextPointer(context)
    }

    /// The entry of the node `function` names in a plugin's exported topology or stream functions.
    static func entry(of function: Topology.PluginFunction, in plugin: PluginDescription) throws -> UnsafePointer<eddy_node> {
        let node = function.isStreamFunction ? plugin.streamFunction(named: function.node) : plugin.topologyNode(named: function.node)
        guard let node, node.hasFunction else {
            let what = function.isStreamFunction ? "stream function" : "topology node with a function"
            throw GraphError("plugin \(plugin.name) \(plugin.version) exports no \(what) '\(function.node)'")
        }
        return node.entry
    }

    /// Points the node at the same node of a new build.
    public func replaceEntry(from plugin: PluginDescription) throws {
        entry = try Self.entry(of: function, in: plugin)
    }

    // MARK: - Calling the plugin

    /// Calls `apply` on `run`, continuing after each record the plugin rejects: its outputs
    /// are discarded, `rejected(index)` is told, and the error policy gets the record.
    func apply(
        _ run: RecordRun, aggregates: UnsafePointer<eddy_bytes>? = nil, results: UnsafeMutablePointer<Int32>? = nil,
        rejected: (Int) -> Void = { _ in }
    ) throws {
        var start = 0
        while start < run.count {
            let part = run.slice(start..<run.count)
            call = (part, start)
            lastEmitted = -1
            var processed = 0
            let status = entry.pointee.apply.unsafelyUnwrapped(
                entry, HostAPITable.pointer, contextPointer, part.records, part.count, aggregates.map { $0 + start },
                results.map { $0 + start }, &processed)
            call = nil
            if status == EDDY_OK { return }
            let failed = start + min(processed, part.count - 1)
            let reason = context.takeError(status: status)
            guard status == EDDY_REJECT else {
                throw NodeFailure(node: name, plugin: function.plugin, taskId: graph.taskId, reason: reason)
            }
            if lastEmitted == failed - start { output.truncate(to: lastEmittedStart) }
            rejected(failed)
            try graph.reject(origin: run.origins[failed], reason: reason, node: name, plugin: function.plugin)
            start = failed + 1
        }
    }

    /// An output of record `index` of the current call; subclasses that take outputs
    /// override ``take(index:record:key:value:origin:)``.
    func emitted(index: Int, key: eddy_bytes, value: eddy_bytes) -> eddy_status {
        guard let (run, offset) = call else {
            context.setError("emit outside apply")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        guard index >= 0, index < run.count, index >= lastEmitted else {
            context.setError("emit(\(index)): outputs must come in record order, for records 0..<\(run.count)")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        if index != lastEmitted {
            lastEmitted = index
            lastEmittedStart = output.count
        } else if !allowsSeveralOutputs {
            context.setError("emit(\(index)): a \(operatorName) emits one output per record")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        take(index: offset + index, record: run[index].pointee, key: key, value: value, origin: run.origins[index])
        return eddy_status(EDDY_OK)
    }

    /// Whether one record may have several outputs.
    var allowsSeveralOutputs: Bool { false }

    /// Takes an output the plugin emitted for record `index` of the run given to
    /// ``apply(_:aggregates:results:rejected:)``, whose view is `record`.
    func take(index: Int, record: eddy_record, key: eddy_bytes, value: eddy_bytes, origin: Int32) {
        context.setError("this node takes no outputs")
    }

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

/// The host side of one DSL node in one task: `emit` goes to the node.
final class FunctionContext: HostContext {
    /// The node, which owns the instance and this context (unowned and unchecked: reached on
    /// every emit or forward).
    unowned(unsafe) var node: FunctionNode?

    init(taskId: String, applicationId: String) {
        super.init(taskId: taskId, applicationId: applicationId, config: [:], stores: [])
    }

    override func emit(index: Int, key: eddy_bytes, value: eddy_bytes) -> eddy_status {
        guard let node else {
            setError("emit outside the task graph")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        return node.emitted(index: index, key: key, value: value)
    }

    override var wallClockTime: Int64 { node?.graph?.environment.wallClockTime ?? super.wallClockTime }

    override func log(_ level: LogLevel, _ message: String) {
        guard let node, let graph = node.graph else { return super.log(level, message) }
        graph.environment.log(level, message, node: node.name)
    }
}
