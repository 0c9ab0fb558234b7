import EddyHost
import EddySDK

/// `toTable` (Kafka Streams' `KStreamToTable`, materialized): puts each value under its
/// key, deletes the key on a tombstone, and forwards every update. Null keys are skipped
/// and counted as dropped. The store keeps each value with its record's timestamp.
public final class ToTableNode: GraphNode {
    let store: TableStore
    private let output = RunBuffer()

    init(name: String, store: TableStore) {
        self.store = store
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = record.key.buffer else {
                graph.environment.dropped(origin: run.origins[index], node: name, reason: "null key")
                continue
            }
            if let value = record.value.buffer {
                store.put(key, value, timestamp: record.timestamp)
            } else {
                store.delete(key)
            }
            output.append(record, origin: run.origins[index])
        }
        defer { output.reset() }
        try forward(output.run)
    }
}
