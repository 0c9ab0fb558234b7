import EddyHost
import EddySDK

/// A stream–global-table join (Kafka Streams' `KStreamGlobalKTableJoin`): the key selector
/// (a plugin function, or a JSON field of the value) picks, per stream record, the global
/// table's key; the record is joined with the global store's value of it (inner: dropped when
/// there is none; left: joined with nil — also when the selector picks no key, as Kafka
/// Streams 3.7+ (KIP-962), where an inner join drops and counts the record). The output keeps
/// the stream's key and timestamp. Records with a null value are dropped and counted; the
/// global store is only read.
final class StreamGlobalTableJoinNode: JoinNode {
    let global: any KeyValueStorage
    let selector: KeyPicker
    /// The records the selector sees (those with a value); the keys it picks live in its arena.
    private let selecting = RunBuffer()

    init(
        name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?,
        global: any KeyValueStorage,
        selector: Topology.Join.KeySelector, caller: (Topology.PluginFunction) throws -> FunctionCaller
    ) throws {
        self.global = global
        self.selector = try KeyPicker(selector, arena: selecting.arena, caller: caller)
        super.init(name: name, type: type, leftParent: leftParent, joiner: joiner)
        self.selector.attach(to: self)
    }

    override var callers: [FunctionCaller] { super.callers + (selector.caller.map { [$0] } ?? []) }

    override func processLeft(_ run: RecordRun) throws {
        defer { selecting.reset() }
        for index in 0..<run.count {
            guard run.records[index].value.ptr != nil else {
                graph.environment.dropped(
                    origin: run.origins[index], node: name,
                    reason: "a global table join drops records with a null value")
                continue
            }
            selecting.append(run.records[index], origin: run.origins[index])
        }
        let candidates = selecting.run
        guard candidates.count > 0 else { return }
        try selector.pick(candidates)
        for index in 0..<candidates.count where selector.kept[index] {
            let record = candidates.records[index]
            let origin = candidates.origins[index]
            var found = false
            if let globalKey = selector.keys[index].buffer {
                global.get(globalKey) { right in
                    guard let right else { return }
                    found = true
                    pairs.add(
                        record, key: record.key, left: record.value, right: eddy_bytes(borrowing: right),
                        timestamp: record.timestamp,
                        origin: origin)
                }
            }
            if !found, type == .left {
                pairs.add(
                    record, key: record.key, left: record.value, right: .absent, timestamp: record.timestamp,
                    origin: origin)
            } else if selector.keys[index].ptr == nil, type == .inner {
                graph.environment.dropped(
                    origin: origin, node: name,
                    reason: "an inner global table join drops records whose selected key is null")
            }
        }
        try deliver()
    }
}
