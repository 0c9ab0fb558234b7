import EddyKafka
import EddyState
import Foundation
import Logging

/// One stream thread's restore consumer (Kafka Streams' `StoreChangelogReader`): brings the
/// logged stores of the thread's restoring tasks up to date from their changelog topics while
/// the thread keeps processing its active tasks.
///
/// A registered store is read from its checkpoint (the offset its disk state is complete to)
/// to the changelog's end as it was at registration, committed records only. The thread calls
/// ``restoreSlice(maxRecords:timeout:)`` between its normal polls; each slice reads at most
/// `maxRecords` records of any restoring changelog partitions, so restoration never starves
/// processing and processing never starves restoration. A task whose stores all reached
/// their end has its restored data written with the checkpoint covering it and is handed
/// back to the thread to run.
///
/// The consumer has no group and lives as long as the thread; restorations are keyed by
/// changelog partition, so a standby replica (a store kept warm without processing) can be
/// one more registration that never completes.
final class ChangelogReader {
    /// One changelog partition being read into one store of one task.
    private final class Restoration {
        let task: TaskId
        let store: TaskStore
        let partition: KafkaTopicPartition
        let start: Int64
        /// The changelog's high watermark at registration: the restoration ends there or at
        /// the end the consumer reports, whichever comes first (under `read_committed` the
        /// end is the last stable offset, before any trailing transaction markers).
        let end: Int64
        /// The offset after the last record read.
        var next: Int64
        /// Whether records were read since they were last handed to the store.
        var pending = false
        var applied = 0
        /// Whether a test's ``RestoreHold`` has paused this partition.
        var held = false
        let started = ContinuousClock.now
        var lastReport = ContinuousClock.now
        var buffer = RestoreBuffer()

        init(task: TaskId, store: TaskStore, partition: KafkaTopicPartition, start: Int64, end: Int64) {
            self.task = task
            self.store = store
            self.partition = partition
            self.start = start
            self.end = end
            self.next = start
        }
    }

    /// The task being restored's share of the thread's restoration, for progress lines.
    struct Progress {
        var tasks = 0
        var restored: Int64 = 0
        var total: Int64 = 0
    }

    private let configuration: KafkaConfiguration
    private let logger: Logger
    private let hold: RestoreHold?
    private var consumer: KafkaConsumer?
    private var restorations: [KafkaTopicPartition: Restoration] = [:]
    /// Restorations by the consumer's topic handle and partition, so that routing a record
    /// builds no topic name.
    private var routes: [RecordRoute: Restoration] = [:]
    /// Set when restorations were added: the consumer's assignment is rebuilt before the next read.
    private var assignmentStale = false
    /// The partitions the consumer was last assigned.
    private var assigned: Set<KafkaTopicPartition> = []

    init(configuration: KafkaConfiguration, hold: RestoreHold?, logger: Logger) {
        self.configuration = configuration
        self.hold = hold
        self.logger = logger
    }

    /// Changelog records applied to stores since the thread started.
    private(set) var restoredRecords = 0

    /// Whether any store is still being restored.
    var isRestoring: Bool { !restorations.isEmpty }

    /// Registers a new task's logged stores; returns whether any of them has changelog records
    /// to replay. When none has, the task can run at once and nothing is registered.
    func register(_ task: TaskId, stores: [TaskStore], sourceOffsets: [KafkaTopicPartition: Int64] = [:]) throws -> Bool
    {
        var added: [Restoration] = []
        for store in stores {
            guard let changelog = store.changelog else { continue }
            let tp = KafkaTopicPartition(topic: changelog.topic, partition: changelog.partition)
            var (low, high) = try restoreConsumer().watermarks(tp, timeout: .seconds(30))
            // A source topic is restored up to its committed offset only: the records after it
            // are processed again, and would otherwise be in the store twice over.
            if !store.writesChangelog { high = min(high, sourceOffsets[tp] ?? low) }
            let start = max(store.checkpoint ?? low, low)
            guard start < high else {
                logger.debug("\(store.name) for \(tp) is up to date at offset \(start)")
                continue
            }
            added.append(Restoration(task: task, store: store, partition: tp, start: start, end: high))
        }
        for restoration in added { restorations[restoration.partition] = restoration }
        if !added.isEmpty { assignmentStale = true }
        return !added.isEmpty
    }

    /// Reads and applies one slice: waits up to `timeout` for the first changelog record, then
    /// takes what is fetched, up to `maxRecords`. Returns the tasks whose stores all reached
    /// their changelog end in this slice, with the records restored for each; their stores
    /// hold the restored data with its checkpoint and no longer belong to the reader.
    func restoreSlice(maxRecords: Int, timeout: Duration) throws -> [(task: TaskId, restored: Int)] {
        guard let consumer, !restorations.isEmpty else { return [] }
        if assignmentStale { try reassign() }
        try releaseHolds()
        try consumer.poll(maxRecords: maxRecords, timeout: timeout) { record in
            guard let restoration = restoration(for: record) else { return }
            guard restoration.store.writesChangelog || record.offset < restoration.end else { return }
            restoration.next = record.offset + 1
            restoration.pending = true
            guard let key = record.key else { return }
            restoration.buffer.append(
                key: key, value: record.value,
                timestamp: restoration.store.restoresTimestamps ? record.timestamp : nil)
        }
        var ended: Set<TaskId> = [], unfinished: Set<TaskId> = []
        for restoration in restorations.values {
            if restoration.pending { try apply(restoration) }
            if try reachedEnd(restoration) {
                ended.insert(restoration.task)
            } else {
                unfinished.insert(restoration.task)
            }
        }
        return try ended.subtracting(unfinished).sorted().map { ($0, try finish($0)) }
    }

    /// Stops restoring a task (revoked, lost, or closed with its thread): writes what its
    /// stores have restored so far with the checkpoint that covers it, so whoever restores the
    /// task next replays only the rest. The stores stay open; the caller closes them.
    func abandon(_ task: TaskId) throws {
        guard restorations.values.contains(where: { $0.task == task }) else { return }
        let restored = try finish(task)
        logger.info("task \(task) stopped restoring after \(restored) changelog records; what it restored is kept")
    }

    /// How much of the registered changelogs has been read, for progress lines.
    var progress: Progress {
        var progress = Progress()
        var tasks: Set<TaskId> = []
        for restoration in restorations.values {
            tasks.insert(restoration.task)
            progress.restored += restoration.next - restoration.start
            progress.total += restoration.end - restoration.start
        }
        progress.tasks = tasks.count
        return progress
    }

    /// Closes the restore consumer (at the end of the thread).
    func close() {
        consumer?.close()
        consumer = nil
        assigned = []
    }

    /// `restoring counts from app-counts-changelog-3: 400000/1000000 offsets (40%), 512000/s, ETA 1.2 s`.
    static func progress(
        _ store: String, _ tp: KafkaTopicPartition, done: Int64, of total: Int64, since started: ContinuousClock.Instant
    ) -> String {
        let seconds = Self.seconds(since: started)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return
            "restoring \(store) from \(tp): \(done)/\(total) offsets (\(total > 0 ? done * 100 / total : 100)%), \(Int(rate))/s, ETA \(String(format: "%.1f", eta)) s"
    }

    // MARK: - Private

    private struct RecordRoute: Hashable {
        let topic: OpaquePointer
        let partition: Int32
    }

    private func restoreConsumer() throws -> KafkaConsumer {
        if let consumer { return consumer }
        var restoreConfiguration = configuration
        restoreConfiguration["isolation.level"] = "read_committed"
        restoreConfiguration["enable.partition.eof"] = "true"
        restoreConfiguration["group.id"] = nil
        restoreConfiguration["group.instance.id"] = nil
        let created = try KafkaConsumer(
            configuration: restoreConfiguration.withDefaults(["fetch.wait.max.ms": "10"]), logger: logger)
        consumer = created
        return created
    }

    private func restoration(for record: borrowing KafkaRecordView) -> Restoration? {
        let route = RecordRoute(topic: record.topicHandle, partition: record.partition)
        if let known = routes[route] { return known }
        let found = restorations[
            KafkaTopicPartition(topic: KafkaRecordView.topicName(of: route.topic), partition: route.partition)]
        routes[route] = found
        return found
    }

    /// Hands the records read since the last slice to the store.
    private func apply(_ restoration: Restoration) throws {
        try restoration.store.restore(restoration.buffer, nextOffset: restoration.next)
        restoration.applied += restoration.buffer.count
        restoredRecords += restoration.buffer.count
        restoration.buffer.removeAll()
        restoration.pending = false
        FaultInjection.reach(.duringRestoration)
        if let hold, !restoration.held, hold.holds(restoration.task, afterRestoring: restoration.applied) {
            try consumer?.pause([restoration.partition])
            restoration.held = true
        }
        if ContinuousClock.now - restoration.lastReport >= .seconds(2) {
            restoration.lastReport = .now
            logger.info(
                "\(Self.progress(restoration.store.name, restoration.partition, done: restoration.next - restoration.start, of: restoration.end - restoration.start, since: restoration.started))"
            )
        }
    }

    private func reachedEnd(_ restoration: Restoration) throws -> Bool {
        guard let consumer, !restoration.held else { return false }
        if restoration.next >= restoration.end || consumer.hasReachedEnd(restoration.partition) { return true }
        return try consumer.position([restoration.partition]).first.map { $0.offset >= restoration.end } ?? false
    }

    /// Writes the task's stores with their checkpoints, stops reading their changelogs and
    /// forgets them; returns the records restored.
    private func finish(_ task: TaskId) throws -> Int {
        let mine = restorations.values.filter { $0.task == task }.sorted { $0.partition < $1.partition }
        for restoration in mine {
            restorations[restoration.partition] = nil
            if restoration.pending { try apply(restoration) }
            try restoration.store.completeRestore()
            let seconds = Self.seconds(since: restoration.started)
            logger.info(
                "restored \(restoration.store.name) from \(restoration.partition): \(restoration.applied) records, offsets \(restoration.start)..<\(restoration.next)\(seconds > 0 ? ", \(Int(Double(restoration.applied) / seconds)) records/s" : "")"
            )
        }
        routes = routes.filter { $0.value.task != task }
        // Paused rather than unassigned: the other partitions keep what they fetched. The
        // next registration rebuilds the assignment without these.
        let assignedPartitions = mine.map(\.partition).filter { assigned.contains($0) }
        if !assignedPartitions.isEmpty { try consumer?.pause(assignedPartitions) }
        return mine.reduce(0) { $0 + $1.applied }
    }

    /// Assigns every restoring changelog partition at the offset after its last record read.
    private func reassign() throws {
        guard let consumer else { return }
        try consumer.assign(restorations.values.map(Self.position))
        assigned = Set(restorations.keys)
        // A partition paused by an earlier restoration of it stays paused across assign().
        let running = restorations.values.filter { !$0.held }
        if !running.isEmpty { try consumer.resume(at: running.map(Self.position)) }
        let held = restorations.values.filter(\.held).map(\.partition)
        if !held.isEmpty { try consumer.pause(held) }
        assignmentStale = false
    }

    private func releaseHolds() throws {
        guard let hold else { return }
        let released = restorations.values.filter { $0.held && hold.isReleased }
        guard !released.isEmpty else { return }
        for restoration in released { restoration.held = false }
        try consumer?.resume(at: released.map(Self.position))
    }

    private static func position(_ restoration: Restoration) -> KafkaTopicPartitionOffset {
        KafkaTopicPartitionOffset(
            topic: restoration.partition.topic, partition: restoration.partition.partition, offset: restoration.next)
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
