import Synchronization

/// A query waiting for a stream thread, and the caller waiting for its answer.
final class PendingQuery: Sendable {
    let query: StoreQuery
    /// The tasks of this thread to answer for.
    let tasks: [TaskId]
    private let continuation = Mutex<CheckedContinuation<LocalQueryAnswer, Never>?>(nil)

    init(query: StoreQuery, tasks: [TaskId], continuation: CheckedContinuation<LocalQueryAnswer, Never>) {
        self.query = query
        self.tasks = tasks
        self.continuation.withLock { $0 = continuation }
    }

    /// Hands the answer to the caller; only the first answer (or timeout) counts.
    func answer(_ answer: LocalQueryAnswer) {
        continuation.withLock { continuation in
            continuation?.resume(returning: answer)
            continuation = nil
        }
    }

    /// Answers that none of the tasks could be read, saying why.
    func fail(_ reason: String) {
        answer(LocalQueryAnswer(unavailable: Dictionary(tasks.map { ($0.partition, reason) }) { $1 }))
    }
}

/// The queries waiting for one stream thread. Any thread posts; the stream thread takes them
/// between two runs of records. The pending count keeps the stream thread's check to one
/// atomic load when nothing waits.
final class QueryMailbox: Sendable {
    private let queue = Mutex<[PendingQuery]>([])
    private let pending = Atomic<Int>(0)
    private let closedReason = Mutex<String?>(nil)
    /// Wakes the stream thread from its wait for records, so a query is answered at once
    /// rather than after the poll's timeout; set by the thread for each consumer it creates.
    let wake = Mutex<(@Sendable () -> Void)?>(nil)

    /// Queues `query`; answers it at once when the thread has ended.
    func post(_ query: PendingQuery) {
        let refused: String? = queue.withLock { queue in
            if let reason = closedReason.withLock({ $0 }) { return reason }
            queue.append(query)
            pending.add(1, ordering: .releasing)
            return nil
        }
        if let refused { return query.fail(refused) }
        wake.withLock { $0 }?()
    }

    /// Whether a query waits (one atomic load: the stream thread checks it every loop).
    var hasPending: Bool { pending.load(ordering: .acquiring) > 0 }

    /// Takes every waiting query.
    func take() -> [PendingQuery] {
        queue.withLock { queue in
            defer {
                queue.removeAll()
                pending.store(0, ordering: .releasing)
            }
            return queue
        }
    }

    /// The thread ended: answers what waits, and every later query, with `reason`.
    func close(_ reason: String) {
        let left = queue.withLock { queue in
            closedReason.withLock { $0 = reason }
            defer { queue.removeAll() }
            return queue
        }
        for query in left { query.fail(reason) }
    }
}
