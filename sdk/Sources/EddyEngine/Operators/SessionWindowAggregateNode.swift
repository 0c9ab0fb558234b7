import EddyHost
import EddySDK

/// `count`, `reduce` and `aggregate` in session windows (Kafka Streams'
/// `KStreamSessionWindowAggregate`): a record joins the sessions of its key within the
/// inactivity gap of its timestamp — none (a new session `[t, t]`), one (which grows to hold
/// it), or several, which merge into one (the aggregator's `merge`). The merged-away sessions
/// are removed from the session store and retracted downstream with tombstones of their
/// windowed keys; the new session is forwarded keyed by (key, end, start) with its end as
/// timestamp. A record whose session would end before the node's stream time minus the
/// gap and the grace is late: dropped and counted (a session closes once no record can
/// extend it any more, as in Kafka Streams).
///
/// Records are taken one at a time: a record's session depends on the sessions the records
/// before it made.
public final class SessionWindowAggregateNode: GraphNode, AggregationNode {
    let store: any SessionStorage
    public let aggregator: Aggregator
    let gap: Int64
    let grace: Int64
    private var observed: Int64 = -1
    private let entry = RunBuffer()
    private let scratch = ByteArena()
    private let output = RunBuffer()

    public init(name: String, store: any SessionStorage, aggregator: Aggregator, gap: Int64, grace: Int64) {
        self.store = store
        self.aggregator = aggregator
        self.gap = gap
        self.grace = grace
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index], origin = run.origins[index]
            guard let key = aggregationKey(of: record, origin: origin) else { continue }
            defer {
                entry.reset()
                scratch.reset()
            }
            let timestamp = record.timestamp
            observed = max(observed, timestamp)
            let sessions = store.findSessions(key, earliestEnd: timestamp - gap, latestStart: timestamp + gap)
            let start = min(timestamp, sessions.map(\.windowStart).min() ?? timestamp)
            let end = max(timestamp, sessions.map(\.windowEnd).max() ?? timestamp)
            guard end >= observed - gap - grace else {
                graph.environment.dropped(
                    origin: origin, node: name,
                    reason:
                        "late: session [\(start), \(end)] closed (stream time \(observed), gap \(gap) ms, grace \(grace) ms)"
                )
                continue
            }
            let current: eddy_bytes
            switch sessions.count {
            case 0:
                current = .absent
            case 1:
                current = sessions[0].value.withUnsafeBytes { scratch.copy($0) }
            default:
                let aggregates = sessions.map { session in session.value.withUnsafeBytes { scratch.copy($0) } }
                current = try aggregator.merge(key: record.key, aggregates, at: self).withUnsafeBytes {
                    scratch.copy($0)
                }
            }
            var new: eddy_bytes?
            entry.append(record, origin: origin)
            try withUnsafePointer(to: current) { pointer in
                try aggregator.fold(FoldEntries(run: entry.run, aggregates: pointer), at: self) { _, folded in
                    new = scratch.copy(folded)
                }
            }
            guard let new else { continue }
            for session in sessions where session.windowStart != start || session.windowEnd != end {
                store.remove(key, start: session.windowStart, end: session.windowEnd)
                var retraction = record
                retraction.timestamp = session.windowEnd
                output.append(
                    retraction,
                    key: WindowBytes.windowedKey(record.key, session.windowEnd, session.windowStart, in: scratch),
                    value: .absent,
                    origin: origin)
            }
            store.put(key, start: start, end: end, new.buffer!)
            var updated = record
            updated.timestamp = end
            output.append(
                updated, key: WindowBytes.windowedKey(record.key, end, start, in: scratch), value: new, origin: origin)
        }
        try deliver(output, as: aggregator)
    }

    public override var operatorName: String { "session-window aggregate" }
}
