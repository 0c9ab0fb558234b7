import EddyKafka

/// The input partitions of a task that reads several (a join's two topics, a merge), and
/// the records fetched for them but not yet processed (Kafka Streams' `PartitionGroup`).
///
/// The task takes next the record with the smallest timestamp among the heads of its
/// partitions' buffers, so a stream record meets the table as of its own time whatever
/// order the fetches came in. It is handed runs: consecutive records of one partition
/// while that partition's head stays the smallest.
///
/// **Waiting for an empty partition** (`max.task.idle.ms`, KIP-695), as Kafka Streams does:
/// - `-1`: never; whatever is buffered is processed.
/// - An empty partition the consumer has not read to its end since its last record (nothing
///   fetched yet, or more on the broker — the consumer's partition end, in order with its
///   records, is how Eddy knows the lag is zero): the task waits, however long, for the fetch.
/// - An empty partition read to its end: the task waits up to `max.task.idle.ms` (from
///   when it first found it so) for new records to be produced, then processes the others'
///   records anyway — an *enforced processing*, counted (`enforced-processing-total`).
/// While it waits the task processes nothing; its buffered records wait with it, and the
/// time it spends so is counted (`idle time`).
///
/// Records are ordered by event time — a source's `timestamp.field`, its plugin timestamp
/// extractor, else the Kafka timestamp — taken once per record (``HeadEventTime``) when the
/// group first looks at it and handed to the task with the record, which uses the same time.
/// A record whose event time cannot be taken ahead (no such field, an extractor that rejects
/// it) is ordered by its Kafka timestamp; its source hands it to the error handler.
///
/// **Bounds**: a partition whose buffer holds `buffered.records.per.partition` records is
/// paused and resumed (at the offset after its last buffered record) once the task drained
/// it below that; a poll can add at most one poll's records beyond the bound.
///
/// Owned by the task, used by its stream thread only.
final class PartitionGroup {
    /// One input partition: its buffer and what the task knows of its fetching.
    struct Slot {
        let partition: KafkaTopicPartition
        let buffer: KafkaRecordBuffer
        /// How the records' event times are taken.
        let eventTime: HeadEventTime
        /// The event times of the buffered records taken so far, from the head on (-1: to be
        /// taken when processed): `times.count <= buffer.count`.
        var times: [Int64] = []
        /// Whether the consumer read to the partition's end after its last buffered record.
        var atEnd = false
        /// Whether the group paused the partition because its buffer is full.
        var paused = false
        /// When an empty, caught-up partition stops being waited for (wall-clock ms).
        var idleDeadline: Int64?
    }

    /// What ``process(now:_:)`` found.
    enum Readiness: Equatable {
        /// Nothing buffered.
        case empty
        /// Records are buffered, but the task waits for an empty partition.
        case waiting
    }

    /// The slots, by the task's input index (slot `i` is the task's input `i`).
    private(set) var slots: [Slot]
    let maxBuffered: Int
    let maxIdleMs: Int
    /// Processings that went ahead with an empty partition whose wait ran out (Kafka
    /// Streams' task-level `enforced-processing-total`; counted once per pass over the
    /// buffers, not per record; never under `-1`, which does not wait at all), and the time the task spent waiting with records
    /// buffered (ns, cumulative; the current wait included once it ends).
    private(set) var enforcedProcessings = 0
    private(set) var idleNanos = 0
    private var waitingSince: ContinuousClock.Instant?

    /// `eventTimes[i]`: how partition `i`'s records' event times are taken.
    init(partitions: [KafkaTopicPartition], eventTimes: [HeadEventTime], maxBuffered: Int, maxIdleMs: Int) {
        self.maxBuffered = maxBuffered
        self.maxIdleMs = maxIdleMs
        slots = zip(partitions, eventTimes).map {
            var slot = Slot(
                partition: $0, buffer: KafkaRecordBuffer(capacity: maxBuffered + KafkaConsumer.pollBatchSize),
                eventTime: $1)
            slot.times.reserveCapacity(maxBuffered + KafkaConsumer.pollBatchSize)
            return slot
        }
    }

    /// How many records are buffered, over all partitions.
    var bufferedCount: Int { slots.reduce(0) { $0 + $1.buffer.count } }

    /// The wait so far, included: what `/metrics` shows.
    var idleNanosNow: Int { idleNanos + (waitingSince.map { (ContinuousClock.now - $0).nanoseconds } ?? 0) }

    // MARK: - Fetching

    /// Takes a fetched run of slot `slot`'s records over (see ``KafkaRecordBuffer/append(_:)``).
    func add(_ run: borrowing KafkaRecordRun, slot: Int) {
        slots[slot].buffer.append(run)
        slots[slot].atEnd = false
        slots[slot].idleDeadline = nil
    }

    /// The consumer read slot `slot`'s partition to its end.
    func reachedEnd(slot: Int) {
        slots[slot].atEnd = true
    }

    // MARK: - Processing

    /// Hands the buffered records to `process` in timestamp order, as runs of one slot with
    /// their event times (-1: to be taken by the task), until nothing is buffered or the task
    /// has to wait for an empty partition. `now` is the wall-clock time (ms) idle deadlines are
    /// measured in.
    @discardableResult
    func process(
        now: Int64,
        _ process: (_ slot: Int, _ run: borrowing KafkaRecordRun, _ eventTimes: UnsafePointer<Int64>) throws -> Void
    ) throws -> Readiness {
        var counted = false
        while true {
            switch readiness(now: now) {
            case .some(let state):
                if state == .waiting, waitingSince == nil { waitingSince = .now }
                return state
            case nil:
                break
            }
            if let since = waitingSince {
                idleNanos += (ContinuousClock.now - since).nanoseconds
                waitingSince = nil
            }
            if !counted, maxIdleMs >= 0, slots.contains(where: { $0.buffer.isEmpty }) {
                enforcedProcessings += 1
                counted = true
            }
            let (slot, count) = try nextRun()
            let buffer = slots[slot].buffer
            defer { slots[slot].times.removeFirst(min(count, slots[slot].times.count)) }
            try slots[slot].times.withUnsafeBufferPointer { times in
                try buffer.consume(count) { run in try process(slot, run, times.baseAddress!) }
            }
        }
    }

    /// nil when the task may process now; otherwise why not. An idle deadline starts when a
    /// caught-up partition is first found empty while another has records, never earlier.
    private func readiness(now: Int64) -> Readiness? {
        guard slots.contains(where: { !$0.buffer.isEmpty }) else { return .empty }
        var mustWait = false
        for index in slots.indices where slots[index].buffer.isEmpty {
            guard maxIdleMs >= 0 else { continue }
            guard slots[index].atEnd else {
                mustWait = true
                continue
            }
            let deadline = slots[index].idleDeadline ?? now + Int64(maxIdleMs)
            slots[index].idleDeadline = deadline
            if now < deadline { mustWait = true }
        }
        return mustWait ? .waiting : nil
    }

    /// The slot whose head record has the smallest timestamp (the first such slot on a tie),
    /// and how many of its records in a row stay at or below every other slot's head.
    private func nextRun() throws -> (slot: Int, count: Int) {
        var best = -1
        var bestTime = Int64.max
        var bound = Int64.max
        for index in slots.indices where !slots[index].buffer.isEmpty {
            let time = try eventTime(slot: index, at: 0)
            if best < 0 || time < bestTime {
                if best >= 0 { bound = min(bound, bestTime) }
                best = index
                bestTime = time
            } else {
                bound = min(bound, time)
            }
        }
        var count = 1
        while count < slots[best].buffer.count, try eventTime(slot: best, at: count) <= bound { count += 1 }
        return (best, count)
    }

    /// The time slot `slot`'s record `index` places after its head is ordered by: its event
    /// time, taken the first time it is asked for and kept in `times`, else its Kafka timestamp.
    private func eventTime(slot: Int, at index: Int) throws -> Int64 {
        let buffer = slots[slot].buffer
        while slots[slot].times.count <= index {
            let time = try slots[slot].eventTime.eventTime(of: buffer.record(at: slots[slot].times.count))
            slots[slot].times.append(time)
        }
        let time = slots[slot].times[index]
        return time >= 0 ? time : buffer.timestamp(at: index)
    }

    // MARK: - Flow control

    /// The partitions to pause now (full buffers not yet paused) and to resume, with the
    /// offset to fetch from (paused ones drained below the bound); marks them so.
    func flowChanges() -> (pause: [KafkaTopicPartition], resume: [KafkaTopicPartitionOffset]) {
        var pause: [KafkaTopicPartition] = []
        var resume: [KafkaTopicPartitionOffset] = []
        for index in slots.indices {
            let count = slots[index].buffer.count
            if !slots[index].paused, count >= maxBuffered, let last = slots[index].buffer.lastOffset {
                slots[index].paused = true
                nextOffsets[slots[index].partition] = last + 1
                pause.append(slots[index].partition)
            } else if slots[index].paused, count < maxBuffered, let next = nextOffsets[slots[index].partition] {
                slots[index].paused = false
                resume.append(
                    KafkaTopicPartitionOffset(
                        topic: slots[index].partition.topic, partition: slots[index].partition.partition, offset: next))
            }
        }
        return (pause, resume)
    }

    /// The offset after the last record buffered of each paused partition, remembered at the
    /// pause (its buffer may be empty by the time it resumes).
    private var nextOffsets: [KafkaTopicPartition: Int64] = [:]

    /// Drops every buffered record (the task closes, or rewinds to its committed offsets) and
    /// returns the partitions the group had paused, to be resumed.
    func close() -> [KafkaTopicPartition] {
        for index in slots.indices {
            slots[index].buffer.removeAll()
            slots[index].times.removeAll(keepingCapacity: true)
        }
        let paused = slots.filter(\.paused).map(\.partition)
        for index in slots.indices { slots[index].paused = false }
        nextOffsets.removeAll()
        return paused
    }
}
