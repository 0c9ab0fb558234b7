import Foundation

extension StreamsApp {
    /// Answers `query` for `partitions` of its store (nil: every partition this worker runs
    /// or restores) from this worker's stream threads, each reading its running tasks'
    /// committed state between two runs of records. Waits at most `timeout`; a partition no
    /// thread answered in time, one that restores, and one this worker does not run come
    /// back in ``LocalQueryAnswer/unavailable`` with the reason.
    ///
    /// Never blocks a thread: the caller suspends until the stream threads answer.
    public func queryLocally(_ query: StoreQuery, partitions: [Int32]?, timeout: Duration = .seconds(5)) async
        -> LocalQueryAnswer
    {
        guard let store = queryableStores[query.store] else {
            return LocalQueryAnswer(
                unavailable: Dictionary((partitions ?? []).map { ($0, "no store '\(query.store)'") }) { $1 })
        }
        var answer = LocalQueryAnswer()
        var byThread: [(StreamThread, [TaskId])] = []
        var asked: Set<Int32> = []
        for thread in threads {
            let (running, restoring) = thread.metrics.assignment.withLock { ($0.running, $0.restoring) }
            let mine = running.filter {
                $0.subTopology == store.subTopology && (partitions?.contains($0.partition) ?? true)
            }
            if !mine.isEmpty { byThread.append((thread, mine.sorted())) }
            asked.formUnion(mine.map(\.partition))
            for task in restoring
            where task.subTopology == store.subTopology && (partitions?.contains(task.partition) ?? true) {
                answer.unavailable[task.partition] =
                    "task \(task) is restoring its stores on instance \(metadata?.instanceId ?? "?")"
                asked.insert(task.partition)
            }
        }
        for partition in partitions ?? [] where !asked.contains(partition) {
            answer.unavailable[partition] =
                "task \(TaskId(subTopology: store.subTopology, partition: partition)) is not running on instance \(metadata?.instanceId ?? "?") (it moved in a rebalance)"
        }
        let answers = await withTaskGroup(of: LocalQueryAnswer.self) { group in
            for (thread, tasks) in byThread {
                group.addTask { await Self.ask(thread, query, tasks, timeout: timeout) }
            }
            var all: [LocalQueryAnswer] = []
            for await one in group { all.append(one) }
            return all
        }
        for one in answers { answer.merge(one) }
        return answer
    }

    /// Posts the query to `thread` and waits for its answer, or answers unavailable after `timeout`.
    private static func ask(_ thread: StreamThread, _ query: StoreQuery, _ tasks: [TaskId], timeout: Duration) async
        -> LocalQueryAnswer
    {
        let box = Box()
        let timer = Task {
            try await Task.sleep(for: timeout)
            box.pending?.fail(
                "stream thread \(thread.index) did not answer within \(timeout) (busy with a long run of records or a commit)"
            )
        }
        defer { timer.cancel() }
        return await withCheckedContinuation { continuation in
            let pending = PendingQuery(query: query, tasks: tasks, continuation: continuation)
            box.pending = pending
            thread.queries.post(pending)
        }
    }
}

/// The pending query, handed to the timer that may give up on it.
private final class Box: @unchecked Sendable {
    private let lock = NSLock()
    private var value: PendingQuery?
    var pending: PendingQuery? {
        get { lock.withLock { value } }
        set { lock.withLock { value = newValue } }
    }
}
