import EddyHost
import EddySDK

/// The end of a foreign-key join (Kafka Streams' `ResponseJoinProcessorSupplier`): each
/// response (the left input, keyed by the left key) is checked against the left table's
/// current value — a response whose hash differs answers an older subscription and is
/// dropped — and becomes the joined value (inner: a right value is needed; left: nil when
/// there is none) or a tombstone (no left value any more, or an inner join without a right
/// value). The right input is the left table, read only through its store.
final class ForeignKeyResolveNode: JoinNode {
    let left: TableStore
    private var currentHash: [UInt8] = []

    init(
        name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?,
        left: TableStore
    ) {
        self.left = left
        super.init(name: name, type: type, leftParent: leftParent, joiner: joiner)
    }

    override func processLeft(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            let origin = run.origins[index]
            guard let key = record.key.buffer, let value = record.value.buffer,
                value.count >= ForeignKeyWire.hashSize + 1
            else {
                graph.environment.dropped(origin: origin, node: name, reason: "not a foreign-key join response")
                continue
            }
            let hash = value[0..<ForeignKeyWire.hashSize]
            let right: eddy_bytes =
                value[ForeignKeyWire.hashSize] == 1
                ? eddy_bytes(borrowing: UnsafeRawBufferPointer(rebasing: value[(ForeignKeyWire.hashSize + 1)...]))
                : .absent
            left.get(key) { leftValue, _ in
                let current = leftValue.map { eddy_bytes(borrowing: $0) } ?? .absent
                currentHash.removeAll(keepingCapacity: true)
                ForeignKeyWire.appendHash(of: current, to: &currentHash)
                guard currentHash.elementsEqual(hash) else { return }
                if current.ptr != nil, right.ptr != nil || type == .left {
                    pairs.add(
                        record, key: record.key, left: current, right: right, timestamp: record.timestamp,
                        origin: origin)
                } else {
                    pairs.addTombstone(record, key: record.key, timestamp: record.timestamp, origin: origin)
                }
            }
        }
        try deliver()
    }

    override var operatorName: String { "foreign-key join" }
}
