extension StreamThread {
    /// Answers the interactive queries waiting for this thread, between two runs of records,
    /// from its running tasks' committed state. A task this thread restores, or no longer
    /// runs (it migrated since the caller looked), is answered unavailable with the reason:
    /// never with a value it may not have.
    func answerQueries() {
        for pending in queries.take() {
            var answer = LocalQueryAnswer()
            for id in pending.tasks {
                guard let task = tasks[id] else {
                    answer.unavailable[id.partition] =
                        restoring[id] != nil
                        ? "task \(id) is restoring its stores on instance \(instanceId)"
                        : "task \(id) is not running on instance \(instanceId) any more (it migrated in a rebalance)"
                    continue
                }
                guard let store = task.stores.first(where: { $0.name == pending.query.store }) else {
                    answer.unavailable[id.partition] = "task \(id) has no store '\(pending.query.store)'"
                    continue
                }
                do {
                    answer.entries += try store.answer(pending.query.operation, partition: id.partition)
                    answer.partitions.append(id.partition)
                } catch {
                    answer.unavailable[id.partition] =
                        "task \(id) could not read store '\(pending.query.store)': \(error)"
                }
            }
            answer.partitions.sort()
            pending.answer(answer)
        }
    }
}
