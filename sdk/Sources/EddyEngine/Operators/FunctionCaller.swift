import EddyHost
import EddySDK

/// Calls one plugin node's `apply` (and `merge`) for the host: the context the plugin emits
/// through, the checks on what it emits, and the loop that goes on after a rejected record.
/// Function nodes, aggregators and source timestamp extractors each hold one.
///
/// Used only by the stream thread that owns the task.
public final class FunctionCaller {
    /// Which plugin node's function this is.
    public let function: Topology.PluginFunction
    /// The node entry of the build in use; a hot reload points it at the new build's.
    public private(set) var entry: UnsafePointer<eddy_node>
    /// The graph node failures are reported at (the node that calls; set once it exists).
    unowned(unsafe) var node: GraphNode!
    /// Whether a record may have several outputs (flatMap, flatMapValues).
    let allowsSeveralOutputs: Bool
    /// Where an output goes: (index in the run given to `apply`, its record, emitted key,
    /// emitted value, the record's origin).
    var take: (Int, eddy_record, eddy_bytes, eddy_bytes, Int32) -> Void = { _, _, _, _, _ in }
    private let context: FunctionContext
    private let contextPointer: OpaquePointer
    /// The records and offset of the `apply` in progress, for `emit`; the merged aggregate of a `merge`.
    private var call: (run: RecordRun, offset: Int)?
    private var merged: [UInt8]?
    /// The record `lastEmitted` emitted most recently, so that a rejected record's outputs
    /// can be discarded (`discard` is told from which output count).
    private var lastEmitted = -1
    private(set) var lastEmittedStart = 0
    /// How many outputs the caller's buffer held when the last record's first output came.
    var outputCount: () -> Int = { 0 }

    init(
        function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>, node: GraphNode?, taskId: String,
        applicationId: String,
        allowsSeveralOutputs: Bool
    ) {
        self.function = function
        self.entry = entry
        self.node = node
        self.allowsSeveralOutputs = allowsSeveralOutputs
        context = FunctionContext(taskId: taskId, applicationId: applicationId)
        contextPointer = HostAPITable.contextPointer(context)
        context.caller = self
    }

    /// The entry of the node `function` names in a plugin: a topology node, a stream function,
    /// or a source's timestamp extractor.
    static func entry(of function: Topology.PluginFunction, in plugin: PluginDescription) throws -> UnsafePointer<
        eddy_node
    > {
        let entry: UnsafePointer<eddy_node>?
        switch function.place {
        case .topologyNode:
            entry = plugin.topologyNode(named: function.node).flatMap { $0.hasFunction ? $0.entry : nil }
        case .streamFunction:
            entry = plugin.streamFunction(named: function.node).flatMap { $0.hasFunction ? $0.entry : nil }
        case .timestampExtractor: entry = plugin.topologyNode(named: function.node)?.timestampExtractor
        case .keySelector: entry = plugin.topologyNode(named: function.node)?.keySelector
        }
        guard let entry, entry.pointee.apply != nil else {
            throw GraphError(
                "plugin \(plugin.name) \(plugin.version) exports no \(function.place.description) '\(function.node)'")
        }
        return entry
    }

    /// Points the caller at the same node of a new build.
    func replaceEntry(from plugin: PluginDescription) throws {
        entry = try Self.entry(of: function, in: plugin)
    }

    // MARK: - Calls

    /// Calls `apply` on `run`, going on after each record the plugin rejects: `rejected(index)`
    /// is told (the caller discards that record's outputs) and the error policy gets it —
    /// unless `reportsRejections` is false (a look ahead at a record that is processed, and
    /// reported, later).
    func apply(
        _ run: RecordRun, aggregates: UnsafePointer<eddy_bytes>? = nil, results: UnsafeMutablePointer<Int32>? = nil,
        reportsRejections: Bool = true, rejected: (Int) -> Void = { _ in }
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
                throw NodeFailure(node: node.name, plugin: function.plugin, taskId: node.graph.taskId, reason: reason)
            }
            if lastEmitted == failed - start { discard(lastEmittedStart) }
            rejected(failed)
            guard reportsRejections else {
                start = failed + 1
                continue
            }
            try node.graph.reject(origin: run.origins[failed], reason: reason, node: node.name, plugin: function.plugin)
            start = failed + 1
        }
    }

    /// Discards outputs from `count` on (set by the owner that collects outputs).
    var discard: (Int) -> Void = { _ in }

    /// Calls `merge` with the aggregates of the sessions of `key` a record bridges; returns the merged one.
    func merge(key: eddy_bytes, _ aggregates: [eddy_bytes]) throws -> [UInt8] {
        guard let merge = entry.pointee.merge, NodeDescription.hasABI13Fields(entry) else {
            throw GraphError("node \(node.name) (plugin \(function.plugin)) has no merge entry for its session windows")
        }
        merged = nil
        let status = aggregates.withUnsafeBufferPointer { buffer in
            merge(entry, HostAPITable.pointer, contextPointer, key, buffer.baseAddress, buffer.count)
        }
        defer { merged = nil }
        guard status == EDDY_OK, let merged else {
            let reason = status == EDDY_OK ? "merge emitted no aggregate" : context.takeError(status: status)
            throw NodeFailure(
                node: node.name, plugin: function.plugin, taskId: node.graph.taskId,
                reason: "merging sessions: \(reason)")
        }
        return merged
    }

    /// An output of the plugin during `apply` (or the merged aggregate during `merge`).
    func emitted(index: Int, key: eddy_bytes, value: eddy_bytes) -> eddy_status {
        if call == nil, merged == nil, index == 0 {
            merged = value.buffer.map { Array($0) } ?? []
            return eddy_status(EDDY_OK)
        }
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
            lastEmittedStart = outputCount()
        } else if !allowsSeveralOutputs {
            context.setError("emit(\(index)): a \(node.operatorName) emits one output per record")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        take(offset + index, run[index].pointee, key, value, run.origins[index])
        return eddy_status(EDDY_OK)
    }
}

extension Topology.PluginFunction.Place: CustomStringConvertible {
    public var description: String {
        switch self {
        case .topologyNode: "topology node with a function"
        case .streamFunction: "stream function"
        case .timestampExtractor: "timestamp extractor of source"
        case .keySelector: "key selector of join"
        }
    }
}

/// The host side of one plugin function in one task: `emit` goes to its caller.
final class FunctionContext: HostContext {
    /// The caller, which owns this context (unowned and unchecked: reached on every emit).
    unowned(unsafe) var caller: FunctionCaller?

    init(taskId: String, applicationId: String) {
        super.init(taskId: taskId, applicationId: applicationId, config: [:], stores: [])
    }

    override func emit(index: Int, key: eddy_bytes, value: eddy_bytes) -> eddy_status {
        guard let caller else {
            setError("emit outside the task graph")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        return caller.emitted(index: index, key: key, value: value)
    }

    override var wallClockTime: Int64 { caller?.node.graph?.environment.wallClockTime ?? super.wallClockTime }

    override func log(_ level: LogLevel, _ message: String) {
        guard let caller, let graph = caller.node.graph else { return super.log(level, message) }
        graph.environment.log(level, message, node: caller.node.name)
    }
}
