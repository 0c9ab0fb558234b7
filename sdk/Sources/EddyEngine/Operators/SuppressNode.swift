import EddyHost
import EddySDK

/// `suppress` (Kafka Streams' `KTableSuppressProcessor`): holds a table's updates back in a
/// buffer, the latest per key, and lets them go when their time comes — for
/// `untilWindowCloses`, once the node's stream time passes the window's end plus its grace
/// (a session's end plus its gap and grace)
/// (one final result per window; tombstones of merged-away sessions are dropped, as there
/// is no final result for them); for `untilTimeLimit`, once it passes the key's first
/// buffered update's time plus the limit. A full buffer emits its oldest updates early, or
/// fails the task.
///
/// The buffer lives in a changelogged key-value store (key: the table's key; value: buffer
/// time, record timestamp, a tombstone flag and the value), so under exactly-once an update
/// leaves the buffer in the same transaction that emits it: a crash neither loses nor
/// repeats a final result. The order of eviction is kept in memory and rebuilt from the
/// store when the task starts.
public final class SuppressNode: GraphNode {
    let store: any KeyValueStorage
    let suppression: Topology.Suppression
    /// The largest timestamp this node has seen.
    private var observed: Int64 = -1
    /// Buffered keys by buffer time, oldest first, from `head` on (a key's buffer time never
    /// changes while it is buffered, so an update keeps its place), and their buffer times and sizes.
    private var order: [(time: Int64, key: [UInt8])] = []
    private var head = 0
    private var buffered: [[UInt8]: (time: Int64, bytes: Int)] = [:]
    private var bufferedBytes = 0
    private var loaded = false
    private let output = RunBuffer()
    /// The store value being written, reused from record to record.
    private var value: [UInt8] = []

    /// Value layout in the store: buffer time, record timestamp (8 bytes each, big-endian),
    /// 1 for a value or 0 for a tombstone, then the value.
    private static let headerSize = 17

    init(name: String, store: any KeyValueStorage, suppression: Topology.Suppression) {
        self.store = store
        self.suppression = suppression
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        if !loaded { try load() }
        for index in 0..<run.count {
            let record = run.records[index], origin = run.origins[index]
            guard let key = record.key.buffer else {
                graph.environment.dropped(origin: origin, node: name, reason: "null key")
                continue
            }
            observed = max(observed, record.timestamp)
            let keyBytes = Array(key)
            let time: Int64
            switch suppression.until {
            case .windowCloses:
                guard let window = suppression.window, let end = WindowBytes.windowEnd(of: key, window) else {
                    throw GraphError(
                        "node \(name): untilWindowCloses needs a windowed table, and key of \(key.count) bytes names no window"
                    )
                }
                time = end
            case .timeLimit:
                time = buffered[keyBytes]?.time ?? record.timestamp
            }
            try buffer(keyBytes, record, time: time)
            try evict(upTo: expiry, origin: origin)
            try enforceBounds(origin: origin)
        }
        defer { output.reset() }
        try forward(output.run)
    }

    /// Buffer times at or before this have waited long enough: a window closes when stream
    /// time passes its end plus the grace (a session's end plus the gap and the grace, when
    /// no record can extend it any more).
    private var expiry: Int64 {
        switch suppression.until {
        case .windowCloses:
            guard let window = suppression.window else { return observed }
            if case .session(let gap) = window.kind { return observed - gap - window.grace }
            return observed - window.grace
        case .timeLimit(let limit): return observed - limit
        }
    }

    private func buffer(_ key: [UInt8], _ record: eddy_record, time: Int64) throws {
        value.removeAll(keepingCapacity: true)
        withUnsafeBytes(of: time.bigEndian) { value.append(contentsOf: $0) }
        withUnsafeBytes(of: record.timestamp.bigEndian) { value.append(contentsOf: $0) }
        value.append(record.value.ptr == nil ? 0 : 1)
        if let bytes = record.value.buffer { value.append(contentsOf: bytes) }
        key.withUnsafeBytes { k in value.withUnsafeBytes { store.put(k, $0) } }
        let bytes = key.count + value.count
        if let previous = buffered[key] {
            bufferedBytes += bytes - previous.bytes
            buffered[key] = (previous.time, bytes)
        } else {
            insert(key, time: time, bytes: bytes)
        }
    }

    /// Adds a newly buffered key in eviction order: by buffer time, then by key bytes (as
    /// Kafka Streams' time-ordered buffer), so the order after a restart is the same.
    private func insert(_ key: [UInt8], time: Int64, bytes: Int) {
        buffered[key] = (time, bytes)
        bufferedBytes += bytes
        func before(_ entry: (time: Int64, key: [UInt8])) -> Bool {
            entry.time < time || (entry.time == time && entry.key.lexicographicallyPrecedes(key))
        }
        if order.last.map(before) ?? true {
            order.append((time, key))
            return
        }
        var low = head, high = order.count
        while low < high {
            let middle = (low + high) / 2
            if before(order[middle]) { low = middle + 1 } else { high = middle }
        }
        order.insert((time, key), at: low)
    }

    /// Emits (and removes from the buffer) every update whose buffer time is at or before `expiry`.
    private func evict(upTo expiry: Int64, origin: Int32) throws {
        while head < order.count, order[head].time <= expiry { try emitOldest(origin: origin) }
        if head > 1024, head * 2 > order.count {
            order.removeFirst(head)
            head = 0
        }
    }

    /// Keeps the buffer within its bounds: emits the oldest updates early, or fails.
    private func enforceBounds(origin: Int32) throws {
        func over() -> Bool {
            (suppression.maxRecords.map { Int64(buffered.count) > $0 } ?? false)
                || (suppression.maxBytes.map { Int64(bufferedBytes) > $0 } ?? false)
        }
        guard over() else { return }
        guard suppression.emitEarlyWhenFull else {
            throw GraphError(
                "node \(name): the suppression buffer is full (\(buffered.count) records, \(bufferedBytes) bytes; bounds \(suppression.maxRecords.map(String.init) ?? "none") records, \(suppression.maxBytes.map(String.init) ?? "none") bytes) and its policy is to shut down — raise the bounds, or emit early"
            )
        }
        while over(), head < order.count { try emitOldest(origin: origin) }
    }

    private func emitOldest(origin: Int32) throws {
        let key = order[head].key
        head += 1
        bufferedBytes -= buffered.removeValue(forKey: key)?.bytes ?? 0
        var stored: [UInt8]?
        key.withUnsafeBytes { k in store.get(k) { stored = $0.map { Array($0) } } }
        key.withUnsafeBytes { store.delete($0) }
        guard let stored, stored.count >= Self.headerSize else { return }
        let timestamp = stored.withUnsafeBytes { Int64(bigEndian: $0.loadUnaligned(fromByteOffset: 8, as: Int64.self)) }
        let isValue = stored[16] == 1
        if !isValue, suppression.until == .windowCloses { return }
        var record = eddy_record()
        record.struct_size = recordStructSize
        record.timestamp = timestamp
        record.partition = -1
        record.offset = -1
        let value =
            isValue
            ? stored.withUnsafeBytes { output.arena.copy(UnsafeRawBufferPointer(rebasing: $0[Self.headerSize...])) }
            : .absent
        key.withUnsafeBytes { output.append(record, key: eddy_bytes(borrowing: $0), value: value, origin: origin) }
    }

    /// Rebuilds the eviction order from the store (after a restart, from its changelog).
    private func load() throws {
        loaded = true
        let iterator = store.range(from: nil, to: nil)
        while let entry = iterator.next() {
            guard entry.value.count >= Self.headerSize else { continue }
            let time = entry.value.withUnsafeBytes { Int64(bigEndian: $0.loadUnaligned(as: Int64.self)) }
            insert(entry.key, time: time, bytes: entry.key.count + entry.value.count)
        }
    }

    public override var operatorName: String { "suppress" }
}
