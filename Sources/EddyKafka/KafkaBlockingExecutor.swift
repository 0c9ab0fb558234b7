import Dispatch

/// Runs blocking librdkafka calls (flush, commit, admin requests, transactions) on a
/// dedicated dispatch queue, so that `async` code never blocks Swift's cooperative pool.
public struct KafkaBlockingExecutor: Sendable {
    private let queue: DispatchQueue

    public init(label: String = "eddy.kafka.blocking") {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the executor's thread and resumes with its result.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
