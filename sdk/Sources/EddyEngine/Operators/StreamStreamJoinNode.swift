import EddyHost
import EddySDK

/// A windowed stream–stream join (Kafka Streams' `KStreamKStreamJoin`, as of 3.1): each
/// record is kept in its side's window store and joined with the other side's records of the
/// same key within the join windows (left record at `t`: right records in `[t - before,
/// t + after]`); a result takes the larger timestamp of its two records.
///
/// Left and outer joins never emit an unmatched result early: a record that found no
/// partner waits in the shared outer store (keyed by time, side and key, so it reads in
/// time order) until the join's stream time passes its window's end plus the grace — then
/// it is emitted with nil for the other side, unless a partner came first, which removes it.
/// A record already past its window's end when it arrives (within the grace) is emitted
/// unmatched at once; one past the grace is dropped and counted. Records with a null value
/// are dropped and counted. A record with a null key can match nothing: as in Kafka Streams
/// 3.7+ (KIP-962) a side that keeps unmatched records (the left side of a left join, both
/// sides of an outer join) emits it at once joined with nil, without moving stream time;
/// other sides drop and count it.
///
/// Several records of a key at one timestamp share a window store entry (and an outer store
/// entry): their values, each after its 4-byte big-endian length.
final class StreamStreamJoinNode: JoinNode {
    let windows: JoinWindows
    let leftStore: any WindowStorage
    let rightStore: any WindowStorage
    let outerStore: (any KeyValueStorage)?
    /// The largest timestamp either side has seen (Kafka Streams' shared time tracker).
    private var streamTime: Int64 = -1
    /// The earliest time in the outer store; nil when not known (after a restart), `Int64.max` when it is empty.
    private var outerMinTime: Int64?
    private var keyBytes: [UInt8] = []
    private var scratch: [UInt8] = []
    private var outerKey: [UInt8] = []

    init(
        name: String, type: Topology.Join.JoinType, leftParent: String, joiner: FunctionCaller?, windows: JoinWindows,
        leftStore: any WindowStorage, rightStore: any WindowStorage, outerStore: (any KeyValueStorage)?
    ) {
        self.windows = windows
        self.leftStore = leftStore
        self.rightStore = rightStore
        self.outerStore = outerStore
        super.init(name: name, type: type, leftParent: leftParent, joiner: joiner)
    }

    override func processLeft(_ run: RecordRun) throws { try process(run, isLeft: true) }

    override func processRight(_ run: RecordRun) throws { try process(run, isLeft: false) }

    private func process(_ run: RecordRun, isLeft: Bool) throws {
        // Seen from this side: how far before and after a record its partners may be.
        let (before, after) = isLeft ? (windows.before, windows.after) : (windows.after, windows.before)
        let (thisStore, otherStore) = isLeft ? (leftStore, rightStore) : (rightStore, leftStore)
        let keepsUnmatched = type == .outer || (type == .left && isLeft)
        for index in 0..<run.count {
            let record = run.records[index]
            let origin = run.origins[index]
            guard let value = record.value.buffer else {
                graph.environment.dropped(
                    origin: origin, node: name, reason: "a stream-stream join drops records with a null value")
                continue
            }
            guard let key = record.key.buffer else {
                if keepsUnmatched {
                    let value = eddy_bytes(borrowing: value)
                    let (left, right) = isLeft ? (value, eddy_bytes.absent) : (.absent, value)
                    pairs.add(
                        record, key: record.key, left: left, right: right, timestamp: record.timestamp, origin: origin)
                } else {
                    graph.environment.dropped(
                        origin: origin, node: name,
                        reason:
                            "a stream-stream join drops records with a null key (but for a left join's left side and an outer join)"
                    )
                }
                continue
            }
            let time = record.timestamp
            streamTime = max(streamTime, time)
            guard time + after + windows.grace >= streamTime else {
                graph.environment.dropped(
                    origin: origin, node: name, reason: "the record's join window closed (grace \(windows.grace) ms)")
                continue
            }
            if time == streamTime, let outerStore { emitUnmatched(outerStore, trigger: record, origin: origin) }
            keyBytes.removeAll(keepingCapacity: true)
            keyBytes.append(contentsOf: key)
            let windowEnd = max(0, time + after)
            let partners = otherStore.fetch(keyBytes, from: max(0, time - before), to: windowEnd)
            var matched = false
            while let partner = partners.next() {
                matched = true
                if let outerStore {
                    fillOuterKey(partner.windowStart, isLeft: !isLeft, key: key)
                    outerKey.withUnsafeBytes { outerStore.delete($0) }
                }
                let joinedTime = max(time, partner.windowStart)
                Self.forEachValue(in: partner.value) { other in
                    if isLeft {
                        pairs.add(
                            record, key: record.key, left: record.value, right: other, timestamp: joinedTime,
                            origin: origin)
                    } else {
                        pairs.add(
                            record, key: record.key, left: other, right: record.value, timestamp: joinedTime,
                            origin: origin)
                    }
                }
            }
            if !matched, keepsUnmatched {
                if let outerStore, windowEnd >= streamTime {
                    fillOuterKey(time, isLeft: isLeft, key: key)
                    outerKey.withUnsafeBytes { append(value, toEntry: $0, of: outerStore) }
                    if let known = outerMinTime { outerMinTime = min(known, time) }
                } else {
                    addUnmatched(
                        record, key: record.key, value: record.value, isLeft: isLeft, timestamp: time, origin: origin)
                }
            }
            thisStore.get(key, windowStart: time) { existing in
                scratch.removeAll(keepingCapacity: true)
                if let existing { scratch.append(contentsOf: existing) }
            }
            Self.appendValue(value, to: &scratch)
            scratch.withUnsafeBytes { thisStore.put(key, windowStart: time, $0) }
        }
        try deliver()
    }

    /// Emits the records of the outer store whose windows have closed, in time order, and removes them.
    private func emitUnmatched(_ outerStore: any KeyValueStorage, trigger: eddy_record, origin: Int32) {
        let lookBack = max(windows.before, windows.after)
        if let known = outerMinTime, known == .max || known + lookBack + windows.grace >= streamTime { return }
        var emitted: [[UInt8]] = []
        var earliest = Int64.max
        let entries = outerStore.range(from: nil, to: nil)
        while let entry = entries.next() {
            guard entry.key.count >= 9 else { continue }
            let time = entry.key[0..<8].reduce(Int64(0)) { $0 << 8 | Int64($1) }
            let isLeft = entry.key[8] == 0
            // A left record's window ends `after` past it; a right record's, `before` past it.
            if time + (isLeft ? windows.after : windows.before) + windows.grace >= streamTime {
                earliest = time
                break
            }
            entry.key[9...].withUnsafeBytes { key in
                Self.forEachValue(in: entry.value) { value in
                    var record = trigger
                    record.headers = nil
                    record.header_count = 0
                    addUnmatched(
                        record, key: eddy_bytes(borrowing: key), value: value, isLeft: isLeft, timestamp: time,
                        origin: origin)
                }
            }
            emitted.append(entry.key)
        }
        for key in emitted { key.withUnsafeBytes { outerStore.delete($0) } }
        outerMinTime = earliest
    }

    private func addUnmatched(
        _ record: eddy_record, key: eddy_bytes, value: eddy_bytes, isLeft: Bool, timestamp: Int64, origin: Int32
    ) {
        if isLeft {
            pairs.add(record, key: key, left: value, right: .absent, timestamp: timestamp, origin: origin)
        } else {
            pairs.add(record, key: key, left: .absent, right: value, timestamp: timestamp, origin: origin)
        }
    }

    /// Appends `value` to the list of values under `key` in `store`.
    private func append(
        _ value: UnsafeRawBufferPointer, toEntry key: UnsafeRawBufferPointer, of store: any KeyValueStorage
    ) {
        store.get(key) { existing in
            scratch.removeAll(keepingCapacity: true)
            if let existing { scratch.append(contentsOf: existing) }
        }
        Self.appendValue(value, to: &scratch)
        scratch.withUnsafeBytes { store.put(key, $0) }
    }

    // MARK: - Encodings

    /// Sets `outerKey` to the outer store's key of a record: its time (8 bytes, big-endian),
    /// its side (0 left, 1 right), its key.
    private func fillOuterKey(_ time: Int64, isLeft: Bool, key: UnsafeRawBufferPointer) {
        outerKey.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: time.bigEndian) { outerKey.append(contentsOf: $0) }
        outerKey.append(isLeft ? 0 : 1)
        outerKey.append(contentsOf: key)
    }

    private static func appendValue(_ value: UnsafeRawBufferPointer, to list: inout [UInt8]) {
        let count = UInt32(value.count)
        list.append(contentsOf: [
            UInt8(count >> 24), UInt8(truncatingIfNeeded: count >> 16), UInt8(truncatingIfNeeded: count >> 8),
            UInt8(truncatingIfNeeded: count),
        ])
        list.append(contentsOf: value)
    }

    /// Calls `body` with each value of a list (borrowed for the call).
    private static func forEachValue(in list: [UInt8], _ body: (eddy_bytes) -> Void) {
        list.withUnsafeBytes { bytes in
            var at = 0
            while at + 4 <= bytes.count {
                let count =
                    Int(bytes[at]) << 24 | Int(bytes[at + 1]) << 16 | Int(bytes[at + 2]) << 8 | Int(bytes[at + 3])
                at += 4
                guard at + count <= bytes.count else { return }
                body(eddy_bytes(borrowing: UnsafeRawBufferPointer(rebasing: bytes[at..<at + count])))
                at += count
            }
        }
    }
}
