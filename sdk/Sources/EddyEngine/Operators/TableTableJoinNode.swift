import EddyHost
import EddySDK

/// A table–table join (Kafka Streams' `KTableKTableJoin`, `…LeftJoin`, `…OuterJoin`): an
/// update of either table (already in that table's store) looks its key up in the other
/// table's store. The result is the joined value while the join holds for the key (inner:
/// both sides; left: the left side; outer: either side) and a tombstone when an update ends
/// it; an update that neither makes nor ends a result emits nothing. A result (or tombstone)
/// takes, as Kafka Streams', the larger of the update's timestamp and the timestamp the other
/// table stored with its value, or the update's when the other side is missing (or its store
/// keeps no timestamps). Updates with a null key are dropped and counted.
final class TableTableJoinNode: JoinNode {
    let left: TableStore
    let right: TableStore

    init(
        name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?,
        left: TableStore,
        right: TableStore
    ) {
        self.left = left
        self.right = right
        super.init(name: name, type: type, leftParent: leftParent, joiner: joiner)
    }

    override func processLeft(_ run: RecordRun) throws { try process(run, fromLeft: true) }

    override func processRight(_ run: RecordRun) throws { try process(run, fromLeft: false) }

    private func process(_ run: RecordRun, fromLeft: Bool) throws {
        let other = fromLeft ? right : left
        for index in 0..<run.count {
            let record = run.records[index]
            let origin = run.origins[index]
            guard let key = record.key.buffer else {
                graph.environment.dropped(
                    origin: origin, node: name, reason: "a table join drops updates with a null key")
                continue
            }
            other.get(key) { otherValue, otherTimestamp in
                let updated = record.value
                let timestamp = max(record.timestamp, otherTimestamp ?? record.timestamp)
                let found = otherValue.map { eddy_bytes(borrowing: $0) } ?? .absent
                let (leftValue, rightValue) = fromLeft ? (updated, found) : (found, updated)
                // Whether the key is in the result now, and whether this update can have changed that.
                let holds: Bool
                switch type {
                case .inner: holds = leftValue.ptr != nil && rightValue.ptr != nil
                case .left: holds = leftValue.ptr != nil
                case .outer: holds = leftValue.ptr != nil || rightValue.ptr != nil
                }
                if holds {
                    pairs.add(
                        record, key: record.key, left: leftValue, right: rightValue, timestamp: timestamp,
                        origin: origin)
                    return
                }
                // The key is not in the result: a tombstone if it was before this update.
                let heldBefore: Bool
                switch type {
                case .inner: heldBefore = found.ptr != nil  // the updated side was present before its tombstone
                case .left: heldBefore = fromLeft  // a left tombstone ends the left side's result
                case .outer: heldBefore = true  // both sides are missing now, and the updated one was there
                }
                if updated.ptr == nil, heldBefore {
                    pairs.addTombstone(record, key: record.key, timestamp: timestamp, origin: origin)
                }
            }
        }
        try deliver()
    }
}
