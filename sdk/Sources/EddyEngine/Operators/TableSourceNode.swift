import EddyHost
import EddySDK

/// A topic read as a table (Kafka Streams' `KTableSource`, materialized): each record is put
/// under its key in the table's store, a tombstone deletes the key, and every change is
/// forwarded. A tombstone of a key the table does not hold changes nothing and is not
/// forwarded (downstream joins would otherwise retract results that never existed). Null
/// keys are dropped and counted. The store's changelog is the source topic itself; it keeps
/// each value with its record's timestamp (a `TimestampedKeyValueStore`).
public final class TableSourceNode: SourceNode {
    let store: TableStore
    private let output = RunBuffer()

    init(name: String, store: TableStore) {
        self.store = store
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        defer { output.reset() }
        for index in 0..<run.count {
            let record = run.records[index]
            guard let key = record.key.buffer else {
                graph.environment.dropped(origin: run.origins[index], node: name, reason: "null key")
                continue
            }
            if let value = record.value.buffer {
                store.put(key, value, timestamp: record.timestamp)
            } else {
                guard store.contains(key) else { continue }
                store.delete(key)
            }
            output.append(record, origin: run.origins[index])
        }
        try forward(output.run)
    }

    public override var operatorName: String { "table source" }
}
