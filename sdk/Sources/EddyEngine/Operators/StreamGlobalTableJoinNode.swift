import EddyHost
import EddySDK

/// A stream–global-table join (Kafka Streams' `KStreamGlobalKTableJoin`): the plugin's key
/// selector picks, per stream record, the global table's key; the record is joined with the
/// global store's value of it (inner: dropped when there is none; left: joined with nil).
/// The output keeps the stream's key and timestamp. Records with a null value are dropped and
/// counted; the global store is only read.
final class StreamGlobalTableJoinNode: JoinNode {
    let global: any KeyValueStorage
    let selector: FunctionCaller
    /// The records the selector sees (those with a value), and the key it picked for each.
    private let selecting = RunBuffer()
    private var selected: [eddy_bytes] = []
    private var picked: [Bool] = []

    init(
        name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?, global: any KeyValueStorage,
        selector: FunctionCaller
    ) {
        self.global = global
        self.selector = selector
        super.init(name: name, type: type, leftParent: leftParent, joiner: joiner)
        selector.node = self
        selector.take = { [unowned(unsafe) self] index, _, key, _, _ in
            selected[index] = selecting.arena.copy(key)
            picked[index] = true
        }
    }

    override var callers: [FunctionCaller] { super.callers + [selector] }

    override func processLeft(_ run: RecordRun) throws {
        defer { selecting.reset() }
        for index in 0..<run.count {
            guard run.records[index].value.ptr != nil else {
                graph.environment.dropped(origin: run.origins[index], node: name, reason: "a global table join drops records with a null value")
                continue
            }
            selecting.append(run.records[index], origin: run.origins[index])
        }
        let candidates = selecting.run
        guard candidates.count > 0 else { return }
        selected.removeAll(keepingCapacity: true)
        selected.append(contentsOf: repeatElement(.absent, count: candidates.count))
        picked.removeAll(keepingCapacity: true)
        picked.append(contentsOf: repeatElement(false, count: candidates.count))
        try selector.apply(candidates) { [unowned(unsafe) self] in picked[$0] = false }
        for index in 0..<candidates.count where picked[index] {
            let record = candidates.records[index]
            let origin = candidates.origins[index]
            var found = false
            if let globalKey = selected[index].buffer {
                global.get(globalKey) { right in
                    guard let right else { return }
                    found = true
                    pairs.add(
                        record, key: record.key, left: record.value, right: eddy_bytes(borrowing: right), timestamp: record.timestamp,
                        origin: origin)
                }
            }
            if !found, type == .left {
                pairs.add(record, key: record.key, left: record.value, right: .absent, timestamp: record.timestamp, origin: origin)
            }
        }
        try deliver()
    }
}
