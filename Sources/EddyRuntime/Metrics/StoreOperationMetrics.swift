/// How often a task's store is called and how long the calls take, by operation: Kafka
/// Streams' state-store metrics (`put-rate`, `get-latency-avg`, …), recorded only at
/// `metrics.recording.level: DEBUG`. At `INFO` a store has none and each call pays one nil
/// check. Owned by the stream thread that owns the store; the thread copies the counts
/// into its task samples once a second.
final class StoreOperationMetrics {
    /// The operations measured, in Kafka Streams' names.
    enum Operation: Int, CaseIterable {
        case put, get, delete, range, prefixScan, fetch, remove

        /// The name in a metric (`put` → `put_rate`).
        var metricName: String {
            switch self {
            case .put: "put"
            case .get: "get"
            case .delete: "delete"
            case .range: "range"
            case .prefixScan: "prefix_scan"
            case .fetch: "fetch"
            case .remove: "remove"
            }
        }
    }

    private(set) var counts = [Int](repeating: 0, count: Operation.allCases.count)
    private(set) var nanos = [Int](repeating: 0, count: Operation.allCases.count)

    /// Runs `body` (one call of `operation`) and counts it with its time.
    @inline(__always)
    func timed<R>(_ operation: Operation, _ body: () throws -> R) rethrows -> R {
        let start = ContinuousClock.now
        defer {
            counts[operation.rawValue] += 1
            nanos[operation.rawValue] += (ContinuousClock.now - start).nanoseconds
        }
        return try body()
    }

    /// The counts so far, for the task sample of `store`.
    func sample(store: String) -> StoreSample {
        StoreSample(
            store: store,
            operations: Operation.allCases.filter { counts[$0.rawValue] > 0 }.map {
                StoreSample.OperationCount(
                    operation: $0.metricName, count: counts[$0.rawValue], nanos: nanos[$0.rawValue])
            })
    }
}

/// One store's operation counts at one moment, cumulative since its task was created.
public struct StoreSample: Sendable, Equatable {
    public struct OperationCount: Sendable, Equatable {
        /// `put`, `get`, `delete`, `range`, `prefix_scan`, `fetch` or `remove`.
        public var operation: String
        public var count: Int
        /// Time spent in those calls (ns).
        public var nanos: Int
    }

    public var store: String
    /// The operations called at least once.
    public var operations: [OperationCount]
}

extension TaskStore {
    /// Runs `body`, counted and timed as `operation` when the store records metrics.
    @inline(__always)
    func measured<R>(_ operation: StoreOperationMetrics.Operation, _ body: () throws -> R) rethrows -> R {
        guard let operationMetrics else { return try body() }
        return try operationMetrics.timed(operation, body)
    }
}
