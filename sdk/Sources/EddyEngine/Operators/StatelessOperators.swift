import EddySDK

/// `filter`, `filterNot` (Kafka Streams' `KStreamFilter`) and a table's filter
/// (`KTableFilter`): the plugin's predicate says 1 or 0 per record. On a table, a
/// tombstone passes as a tombstone without the predicate, and an update the filter drops
/// becomes a tombstone of its key.
final class FilterNode: FunctionNode {
    let negate: Bool
    let table: Bool
    private var results: [Int32] = []
    /// Table filters: the non-tombstones the predicate sees.
    private let tested = RunBuffer()

    init(
        name: String, function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>, taskId: String,
        applicationId: String, negate: Bool, table: Bool
    ) {
        self.negate = negate
        self.table = table
        super.init(name: name, function: function, entry: entry, taskId: taskId, applicationId: applicationId)
    }

    override func process(_ run: RecordRun) throws {
        guard table else {
            try test(run)
            for index in 0..<run.count where keeps(results[index]) {
                output.append(run.records[index], origin: run.origins[index])
            }
            return try deliverOutput()
        }
        tested.reset()
        for index in 0..<run.count where run.records[index].value.ptr != nil {
            tested.append(run.records[index], origin: run.origins[index])
        }
        try test(tested.run)
        var next = 0
        for index in 0..<run.count {
            var record = run.records[index]
            if record.value.ptr != nil {
                if !keeps(results[next]) { record.value = .absent }
                next += 1
            }
            output.append(record, origin: run.origins[index])
        }
        tested.reset()
        try deliverOutput()
    }

    /// Fills `results` for `run`; a rejected record counts as dropped.
    private func test(_ run: RecordRun) throws {
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: repeatElement(negate ? 1 : 0, count: run.count))
        guard run.count > 0 else { return }
        try results.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            try apply(run, results: base) { base[$0] = negate ? 1 : 0 }
        }
    }

    private func keeps(_ result: Int32) -> Bool { (result != 0) != negate }

    override var operatorName: String { "filter" }
}

/// `map`, `flatMap`, `mapValues`, `flatMapValues`, `selectKey` and a table's `mapValues`:
/// the plugin emits the new keys and values; what a kind keeps of the record (its key for
/// the `…Values` kinds, its value for `selectKey`) stays in place, and timestamp and
/// headers carry over. A table's `mapValues` passes tombstones without calling the plugin.
final class EmitNode: FunctionNode {
    let operation: Topology.Operation
    private let replacesKey: Bool
    private let replacesValue: Bool
    private let table: Bool
    /// Table mapValues: the non-tombstones the mapper sees, and where each stands in the run.
    private let mapped = RunBuffer()

    init(
        name: String, function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>, taskId: String,
        applicationId: String,
        operation: Topology.Operation
    ) {
        self.operation = operation
        switch operation {
        case .map, .flatMap: (replacesKey, replacesValue) = (true, true)
        case .selectKey: (replacesKey, replacesValue) = (true, false)
        default: (replacesKey, replacesValue) = (false, true)
        }
        if case .mapValues(let table) = operation { self.table = table } else { self.table = false }
        super.init(
            name: name, function: function, entry: entry, taskId: taskId, applicationId: applicationId,
            allowsSeveralOutputs: operation == .flatMap || operation == .flatMapValues)
    }

    private var allowsSeveralOutputs: Bool { caller.allowsSeveralOutputs }

    override func process(_ run: RecordRun) throws {
        guard table else {
            try applyChecked(run)
            return try deliverOutput()
        }
        // A table's update stream: tombstones keep their place in the run, unmapped.
        var start = 0
        while start < run.count {
            var end = start
            while end < run.count, run.records[end].value.ptr != nil { end += 1 }
            if end > start { try applyChecked(run.slice(start..<end)) }
            if end < run.count { output.append(run.records[end], origin: run.origins[end]) }
            start = end + 1
        }
        try deliverOutput()
    }

    override func take(index: Int, record: eddy_record, key: eddy_bytes, value: eddy_bytes, origin: Int32) {
        output.append(record, key: replacesKey ? key : nil, value: replacesValue ? value : nil, origin: origin)
    }

    /// Calls the plugin; `map`, `mapValues` and `selectKey` must give every record it did not
    /// reject exactly one output (the SDK does; a plugin written against the header alone
    /// might not).
    private func applyChecked(_ run: RecordRun) throws {
        let before = output.count
        var rejected = 0
        try apply(run) { _ in rejected += 1 }
        let outputs = output.count - before
        guard allowsSeveralOutputs || outputs == run.count - rejected else {
            throw GraphError(
                "node \(name) (plugin \(function.plugin)) emitted \(outputs) outputs for \(run.count - rejected) records; a \(operatorName) emits exactly one per record"
            )
        }
    }

    override var operatorName: String {
        switch operation {
        case .map: "map"
        case .flatMap: "flatMap"
        case .selectKey: "selectKey"
        case .flatMapValues: "flatMapValues"
        default: "mapValues"
        }
    }
}

/// `peek` and `foreach`: the plugin sees every record; a peek passes them on unchanged
/// (all but those its action rejected).
final class PeekNode: FunctionNode {
    private var rejected: Set<Int> = []

    override func process(_ run: RecordRun) throws {
        rejected.removeAll(keepingCapacity: true)
        try apply(run) { rejected.insert($0) }
        guard !children.isEmpty else { return }
        if rejected.isEmpty { return try forwardAsPlugin(run) }
        for index in 0..<run.count where !rejected.contains(index) {
            output.append(run.records[index], origin: run.origins[index])
        }
        try deliverOutput()
    }

    private func forwardAsPlugin(_ run: RecordRun) throws {
        let outer = graph.deliveringPlugin
        graph.deliveringPlugin = function.plugin
        defer { graph.deliveringPlugin = outer }
        try forward(run)
    }

    override var operatorName: String { "peek" }
}

/// `split` (Kafka Streams' `KStreamBranch`): the plugin picks a branch per record; each
/// branch's records go to its own child, in branch order.
final class BranchNode: FunctionNode {
    let branches: [String]
    private var branchNodes: [GraphNode] = []
    private var results: [Int32] = []
    private let scratch = RunBuffer()

    init(
        name: String, function: Topology.PluginFunction, entry: UnsafePointer<eddy_node>, taskId: String,
        applicationId: String, branches: [String]
    ) {
        self.branches = branches
        super.init(name: name, function: function, entry: entry, taskId: taskId, applicationId: applicationId)
    }

    /// Finds the child of each branch (after the graph is wired).
    func resolveBranches() throws {
        branchNodes = try branches.map { branch in
            guard let child = children.first(where: { $0.name == branch }) else {
                throw GraphError("branch \(branch) of \(name) is not one of its children")
            }
            return child
        }
    }

    override func process(_ run: RecordRun) throws {
        results.removeAll(keepingCapacity: true)
        results.append(contentsOf: repeatElement(-1, count: run.count))
        try results.withUnsafeMutableBufferPointer { buffer in
            let base = buffer.baseAddress!
            try apply(run, results: base) { base[$0] = -1 }
        }
        for index in 0..<run.count where results[index] < -1 || results[index] >= Int32(branches.count) {
            throw GraphError(
                "node \(name) (plugin \(function.plugin)) picked branch \(results[index]) of \(branches.count)")
        }
        let outer = graph.deliveringPlugin
        graph.deliveringPlugin = function.plugin
        defer { graph.deliveringPlugin = outer }
        for (branch, child) in branchNodes.enumerated() {
            scratch.reset()
            for index in 0..<run.count where results[index] == Int32(branch) {
                scratch.append(run.records[index], origin: run.origins[index])
            }
            if scratch.count > 0 { try child.process(scratch.run) }
        }
        scratch.reset()
    }

    override var operatorName: String { "branch" }
}
