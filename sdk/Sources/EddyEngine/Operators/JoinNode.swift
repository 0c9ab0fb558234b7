import EddyHost
import EddySDK

/// What the join nodes share (Kafka Streams' `KStreamKStreamJoin`, `KStreamKTableJoin`,
/// `KTableKTableJoin`…): the left and right inputs told apart, the pairs a run yields, and the
/// joiner that makes each pair's value — the plugin's function, called once per run with
/// all its pairs, or the application file's JSON merge. Subclasses say which pairs a record
/// makes.
///
/// Used only by the stream thread that owns the task.
public class JoinNode: GraphNode {
    let type: Topology.Join.JoinType
    /// The joiner's plugin function; nil for the JSON merge.
    let caller: FunctionCaller?
    /// The pairs of the run being processed.
    let pairs = JoinPairs()
    let output = RunBuffer()
    private let leftParent: String
    private lazy var leftInput = JoinInput(join: self, isLeft: true)
    private lazy var rightInput = JoinInput(join: self, isLeft: false)
    /// Per pair of `pairs.calls`: the joined value, and whether the joiner made one.
    private var joined: [eddy_bytes] = []
    private var made: [Bool] = []

    init(name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?) {
        self.type = type
        self.leftParent = leftParent
        self.caller = joiner
        super.init(name: name)
        guard let joiner else { return }
        joiner.node = self
        joiner.take = { [unowned(unsafe) self] index, _, _, value, _ in
            joined[index] = output.arena.copy(value)
            made[index] = true
        }
    }

    /// The plugin functions the join calls (for hot reload).
    var callers: [FunctionCaller] { caller.map { [$0] } ?? [] }

    public override func input(from parent: String) -> GraphNode { parent == leftParent ? leftInput : rightInput }

    /// A run of the left input.
    func processLeft(_ run: RecordRun) throws {}

    /// A run of the right input.
    func processRight(_ run: RecordRun) throws {}

    /// Runs the joiner over the collected pairs and sends the results (and tombstones) on, in order.
    func deliver() throws {
        defer {
            pairs.reset()
            output.reset()
        }
        guard pairs.count > 0 else { return }
        let calls = pairs.calls.run
        joined.removeAll(keepingCapacity: true)
        joined.append(contentsOf: repeatElement(.absent, count: calls.count))
        made.removeAll(keepingCapacity: true)
        made.append(contentsOf: repeatElement(false, count: calls.count))
        if calls.count > 0 {
            if let caller {
                try pairs.rights.withUnsafeBufferPointer { rights in
                    try caller.apply(calls, aggregates: rights.baseAddress) { [unowned(unsafe) self] in made[$0] = false
                    }
                }
            } else {
                for index in 0..<calls.count {
                    joined[index] = JSONMerge.merge(
                        left: calls.records[index].value, right: pairs.rights[index], into: output.arena)
                    made[index] = true
                }
            }
        }
        let tombstones = pairs.tombstones.run
        for position in pairs.order {
            if position >= 0 {
                let index = Int(position)
                guard made[index] else { continue }
                var record = calls.records[index]
                record.value = joined[index]
                output.append(record, origin: calls.origins[index])
            } else {
                let index = Int(-position - 1)
                output.append(tombstones.records[index], origin: tombstones.origins[index])
            }
        }
        let outer = graph.deliveringPlugin
        graph.deliveringPlugin = caller?.function.plugin
        defer { graph.deliveringPlugin = outer }
        try forward(output.run)
    }

    public override var operatorName: String { "join" }

    // MARK: - Building

    /// The node of `join` for one task, over the task's stores.
    static func make(
        _ declared: Topology.Node, _ join: Topology.Join, lookup: TaskStoreLookup, taskId: String,
        applicationId: String,
        entry: (Topology.PluginFunction) throws -> UnsafePointer<eddy_node>
    ) throws -> JoinNode {
        func caller(_ function: Topology.PluginFunction) throws -> FunctionCaller {
            FunctionCaller(
                function: function, entry: try entry(function), node: nil, taskId: taskId, applicationId: applicationId,
                allowsSeveralOutputs: false)
        }
        let joiner: FunctionCaller?
        switch join.joiner {
        case .function(let function): joiner = try caller(function)
        case .jsonMerge: joiner = nil
        }
        let name = declared.name
        let leftParent = declared.parents.first ?? ""
        switch join.shape {
        case .streamStream(let windows, let this, let other, let outer):
            return StreamStreamJoinNode(
                name: name, type: join.type, leftParent: leftParent, joiner: joiner, windows: windows,
                leftStore: try lookup.window(this.name),
                rightStore: try lookup.window(other.name), outerStore: try outer.map { try lookup.keyValue($0.name) })
        case .streamTable(let table):
            return StreamTableJoinNode(
                name: name, type: join.type, leftParent: leftParent, joiner: joiner, table: try lookup.table(table))
        case .streamGlobalTable(let global, let selector):
            return try StreamGlobalTableJoinNode(
                name: name, type: join.type, leftParent: leftParent, joiner: joiner,
                global: try lookup.keyValue(global), selector: selector,
                caller: caller)
        case .tableTable(let left, let right):
            return TableTableJoinNode(
                name: name, type: join.type, leftParent: leftParent, joiner: joiner, left: try lookup.table(left),
                right: try lookup.table(right))
        }
    }
}

/// One input of a join: hands the runs of its parent to the join's left or right side.
final class JoinInput: GraphNode {
    unowned(unsafe) let join: JoinNode
    let isLeft: Bool

    init(join: JoinNode, isLeft: Bool) {
        self.join = join
        self.isLeft = isLeft
        super.init(name: join.name)
    }

    override func process(_ run: RecordRun) throws {
        if isLeft { try join.processLeft(run) } else { try join.processRight(run) }
    }
}
