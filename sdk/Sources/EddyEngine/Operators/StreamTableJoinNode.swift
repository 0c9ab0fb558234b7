import EddyHost
import EddySDK

/// A stream–table join (Kafka Streams' `KStreamKTableJoin`): each stream record is joined
/// with the table's current value of its key — an inner join drops the record when there is
/// none, a left join joins it with nil. The table side only materializes (in the table's
/// own node): its updates emit nothing. Stream records with a null value are dropped and
/// counted; so are those with a null key in an inner join, while a left join joins them with
/// nil (Kafka Streams 3.7+, KIP-962). A result keeps the stream record's timestamp.
final class StreamTableJoinNode: JoinNode {
    let table: TableStore

    init(
        name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?,
        table: TableStore
    ) {
        self.table = table
        super.init(name: name, type: type, leftParent: leftParent, joiner: joiner)
    }

    override func processLeft(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            let origin = run.origins[index]
            guard record.value.ptr != nil else {
                graph.environment.dropped(
                    origin: origin, node: name, reason: "a stream-table join drops records with a null value")
                continue
            }
            guard let key = record.key.buffer else {
                if type == .left {
                    pairs.add(
                        record, key: record.key, left: record.value, right: .absent, timestamp: record.timestamp,
                        origin: origin)
                } else {
                    graph.environment.dropped(
                        origin: origin, node: name, reason: "an inner stream-table join drops records with a null key")
                }
                continue
            }
            table.get(key) { right, _ in
                guard let right else {
                    if type == .left {
                        pairs.add(
                            record, key: record.key, left: record.value, right: .absent, timestamp: record.timestamp,
                            origin: origin)
                    }
                    return
                }
                pairs.add(
                    record, key: record.key, left: record.value, right: eddy_bytes(borrowing: right),
                    timestamp: record.timestamp, origin: origin)
            }
        }
        try deliver()
    }
}
