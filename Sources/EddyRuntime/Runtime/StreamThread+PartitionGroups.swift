import EddyKafka

// Time-ordered input on the stream thread: a task that reads several partitions (a join's
// two topics, a merge) buffers their fetched runs in its `PartitionGroup`, and after each poll
// the thread hands it the buffered records in timestamp order, pausing the partitions whose
// buffers are full and resuming them once drained.
extension StreamThread {
    /// Gives a new task a partition group when it reads more than one of the assigned
    /// partitions; its inputs are then registered in the group's slot order.
    func attachPartitionGroup(_ task: StreamTask) throws {
        guard ordersInput else { return }
        let partitions = assigned.filter { taskId($0) == task.id }.sorted()
        guard partitions.count > 1 else { return }
        for (slot, tp) in partitions.enumerated() {
            let input = try task.input(topic: tp.topic, partition: tp.partition)
            precondition(input == slot, "task \(task.id): input \(tp) registered as \(input), expected \(slot)")
        }
        task.partitionGroup = PartitionGroup(
            partitions: partitions, eventTimes: (0..<partitions.count).map(task.headEventTime(input:)),
            maxBuffered: config.bufferedRecordsPerPartition, maxIdleMs: config.maxTaskIdleMs)
    }

    /// The consumer read a partition to its end (`enable.partition.eof`): its task, if it
    /// orders its input, may stop waiting for it.
    func partitionEnded(_ handle: OpaquePointer, _ partition: Int32) {
        let (topic, sub) = route(handle)
        guard let sub, let group = tasks[TaskId(subTopology: sub, partition: partition)]?.partitionGroup,
            let slot = group.slots.firstIndex(where: { $0.partition.topic == topic })
        else { return }
        group.reachedEnd(slot: slot)
    }

    /// Processes what the tasks that order their input have buffered and may process now,
    /// in timestamp order, then pauses the partitions whose buffers are full and resumes
    /// the drained ones. Returns how many records it processed.
    func processBufferedInput() throws -> Int {
        var processed = 0
        let now = clock.now()
        for task in tasks.values {
            guard let group = task.partitionGroup else { continue }
            try group.process(now: now) { slot, run, eventTimes in
                try timedProcess(run.count, for: task) { try task.process(run, input: slot, eventTimes: eventTimes) }
                processed += run.count
            }
            let (pause, resume) = group.flowChanges()
            if !pause.isEmpty {
                logger.debug("task \(task.id): buffers full, pausing \(pause)")
                try consumer.pause(pause)
            }
            if !resume.isEmpty {
                logger.debug(
                    "task \(task.id): buffers drained, resuming \(resume.map { "\($0.topicPartition)@\($0.offset)" })")
                try consumer.resume(at: resume)
            }
        }
        return processed
    }

    /// Drops a closing task's buffered records and resumes the partitions its group paused
    /// (an application's pause outlives the assignment in librdkafka): whoever reads them
    /// next starts from the committed offsets.
    func releasePartitionGroup(of task: StreamTask) {
        guard let group = task.partitionGroup else { return }
        let paused = group.close()
        guard !paused.isEmpty, let consumer else { return }
        do {
            try consumer.resume(paused)
        } catch {
            logger.warning("task \(task.id): resuming \(paused) after closing it failed: \(error)")
        }
    }
}
