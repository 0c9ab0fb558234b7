import EddyHost
import EddySDK

/// `count`, `reduce` and `aggregate` in sliding windows (Kafka Streams'
/// `KStreamSlidingWindowAggregate`): windows `[start, start + difference]` defined by the
/// records themselves — each record has its left window `[t - difference, t]` and, once a
/// later record falls within the difference, a right window `[t + 1, t + 1 + difference]` —
/// so that every distinct set of records no further apart than the difference is aggregated
/// exactly once. A record updates every existing window that holds it and creates its
/// missing windows from the aggregates around it. Windows close, and late records are
/// dropped, as for time windows; the window store keeps each aggregate's largest timestamp.
///
/// Records are taken one at a time (one fold per record, for all the windows it touches),
/// since each record's windows are built from the ones before it.
public final class SlidingWindowAggregateNode: GraphNode, AggregationNode {
    let store: any WindowStorage
    public let aggregator: Aggregator
    let difference: Int64
    let grace: Int64
    private var observed: Int64 = -1
    private let entries = RunBuffer()
    private var aggregates: [eddy_bytes] = []
    private var plan: [Step] = []
    private let scratch = ByteArena()
    private let output = RunBuffer()

    /// What a record does to one window: fold it into the window (with its current aggregate
    /// and timestamp, none for a new window), or copy an aggregate into a new right window.
    private enum Step {
        case fold(start: Int64, aggregate: eddy_bytes, timestamp: Int64)
        case copy(start: Int64, aggregate: eddy_bytes, timestamp: Int64)
    }

    /// A window already in the store.
    private struct Stored {
        let start: Int64
        let timestamp: Int64
        let aggregate: eddy_bytes
    }

    public init(name: String, store: any WindowStorage, aggregator: Aggregator, difference: Int64, grace: Int64) {
        self.store = store
        self.aggregator = aggregator
        self.difference = difference
        self.grace = grace
        super.init(name: name)
    }

    public override func process(_ run: RecordRun) throws {
        for index in 0..<run.count {
            let record = run.records[index], origin = run.origins[index]
            guard let key = aggregationKey(of: record, origin: origin) else { continue }
            defer {
                plan.removeAll(keepingCapacity: true)
                scratch.reset()
            }
            let timestamp = record.timestamp
            observed = max(observed, timestamp)
            let closeTime = observed - grace
            guard timestamp + 1 + difference > closeTime else {
                graph.environment.dropped(
                    origin: origin, node: name,
                    reason: "late: all windows of \(timestamp) closed (stream time \(observed), grace \(grace) ms)")
                continue
            }
            let windows = fetch(key, from: max(0, timestamp - 2 * difference), to: timestamp + 1)
            if timestamp < difference {
                try planEarly(timestamp, windows)
            } else {
                try plan(timestamp, windows)
            }
            try apply(record, origin: origin, closeTime: closeTime)
        }
        try deliver(output, as: aggregator)
    }

    /// The windows of a record at or after the difference (Kafka Streams' in-order processing).
    private func plan(_ timestamp: Int64, _ windows: [Stored]) throws {
        var left: Stored?
        var right: Stored?
        var leftExists = false
        var rightExists = false
        var previous: Int64?
        var starts: Set<Int64> = []
        for window in windows {
            starts.insert(window.start)
            let end = window.start + difference
            if end < timestamp {
                left = window
                previous = window.timestamp
            } else if end == timestamp {
                leftExists = true
                if window.timestamp < timestamp { previous = window.timestamp }
                plan.append(.fold(start: window.start, aggregate: window.aggregate, timestamp: window.timestamp))
            } else if window.start <= timestamp {
                right = window
                plan.append(.fold(start: window.start, aggregate: window.aggregate, timestamp: window.timestamp))
            } else if window.start == timestamp + 1 {
                rightExists = true
            } else {
                throw GraphError(
                    "node \(name): unexpected window starting at \(window.start) for a record at \(timestamp)")
            }
        }
        // The previous record's right window, now that a record falls in it.
        if let previous, !starts.contains(previous + 1), previous + 1 + difference >= timestamp {
            plan.append(.fold(start: previous + 1, aggregate: .absent, timestamp: -1))
        }
        // This record's left window: the records since the window before it, and itself.
        if !leftExists {
            let seeded = previous.map { timestamp - difference <= $0 } ?? false
            plan.append(
                .fold(
                    start: timestamp - difference, aggregate: seeded ? left?.aggregate ?? .absent : .absent,
                    timestamp: timestamp))
        }
        // This record's right window, when later records are already there.
        if !rightExists, let right, right.timestamp > timestamp {
            plan.append(.copy(start: timestamp + 1, aggregate: right.aggregate, timestamp: right.timestamp))
        }
    }

    /// The windows of a record earlier than the difference, whose left window would start
    /// before 0: it goes into the window `[0, difference]` that holds all early records.
    private func planEarly(_ timestamp: Int64, _ windows: [Stored]) throws {
        var combined: Stored?
        var right: Stored?
        var rightExists = false
        var previous: Int64?
        var starts: Set<Int64> = []
        for window in windows where window.start <= timestamp + 1 {
            starts.insert(window.start)
            if window.start == 0 {
                combined = window
                if window.timestamp < timestamp { previous = window.timestamp }
            } else if window.start <= timestamp {
                right = window
                plan.append(.fold(start: window.start, aggregate: window.aggregate, timestamp: window.timestamp))
            } else if window.start == timestamp + 1 {
                rightExists = true
            }
        }
        if right == nil, let combined, combined.timestamp > timestamp { right = combined }
        if !rightExists, let right, right.timestamp > timestamp {
            plan.append(.copy(start: timestamp + 1, aggregate: right.aggregate, timestamp: right.timestamp))
        }
        if let previous, !starts.contains(previous + 1) {
            plan.append(.fold(start: previous + 1, aggregate: .absent, timestamp: -1))
        }
        plan.append(.fold(start: 0, aggregate: combined?.aggregate ?? .absent, timestamp: combined?.timestamp ?? -1))
    }

    /// Folds the record into the planned windows that have not closed and forwards every update, in plan order.
    private func apply(_ record: eddy_record, origin: Int32, closeTime: Int64) throws {
        defer {
            entries.reset()
            aggregates.removeAll(keepingCapacity: true)
        }
        var open: [Bool] = []
        for step in plan {
            guard case .fold(let start, let aggregate, _) = step else {
                open.append(true)
                continue
            }
            let isOpen = start + difference > closeTime
            open.append(isOpen)
            guard isOpen else {
                graph.environment.dropped(
                    origin: origin, node: name,
                    reason:
                        "late: window [\(start), \(start + difference)] closed (stream time \(observed), grace \(grace) ms)"
                )
                continue
            }
            entries.append(record, origin: origin)
            aggregates.append(aggregate)
        }
        var folded: [eddy_bytes?] = Array(repeating: nil, count: entries.count)
        if entries.count > 0 {
            try aggregates.withUnsafeBufferPointer { buffer in
                try aggregator.fold(FoldEntries(run: entries.run, aggregates: buffer.baseAddress!), at: self) {
                    index, new in
                    folded[index] = scratch.copy(new)
                }
            }
        }
        var next = 0
        for (step, isOpen) in zip(plan, open) {
            switch step {
            case .copy(let start, let aggregate, let timestamp):
                try put(record, start: start, aggregate: aggregate, timestamp: timestamp, origin: origin)
            case .fold(let start, _, let previous):
                guard isOpen else { continue }
                defer { next += 1 }
                guard let new = folded[next] else { continue }
                try put(
                    record, start: start, aggregate: new, timestamp: max(record.timestamp, previous), origin: origin)
            }
        }
    }

    private func put(_ record: eddy_record, start: Int64, aggregate: eddy_bytes, timestamp: Int64, origin: Int32) throws
    {
        store.put(
            record.key.buffer!, windowStart: start,
            WindowBytes.timestamped(aggregate, at: timestamp, in: output.arena).buffer!)
        var updated = record
        updated.timestamp = timestamp
        output.append(
            updated, key: WindowBytes.windowedKey(record.key, start, in: output.arena), value: aggregate, origin: origin
        )
    }

    /// `key`'s windows starting in `[from, to]`, in order of start.
    private func fetch(_ key: UnsafeRawBufferPointer, from: Int64, to: Int64) -> [Stored] {
        let iterator = store.fetch(Array(key), from: from, to: to)
        var windows: [Stored] = []
        while let entry = iterator.next() {
            guard
                let (timestamp, aggregate) = entry.value.withUnsafeBytes({
                    WindowBytes.split($0).map { ($0.timestamp, scratch.copy($0.aggregate)) }
                })
            else { continue }
            windows.append(Stored(start: entry.windowStart, timestamp: timestamp, aggregate: aggregate))
        }
        return windows
    }

    public override var operatorName: String { "sliding-window aggregate" }
}
