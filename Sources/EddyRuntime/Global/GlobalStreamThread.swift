import EddyEngine
import EddyKafka
import EddyState
import Foundation
import Logging
import Synchronization

/// The worker's global-store thread (Kafka Streams' `GlobalStreamThread`): a dedicated OS
/// thread with a consumer of its own that is no member of the application's group. It is
/// assigned every partition of every global table's topic, reads them from each store's
/// checkpoint (the beginning for a new or in-memory store) into the global stores, and:
///
/// 1. **bootstraps**: reads every partition up to its end as it was at start (the high
///    watermark; under `read_committed`, which exactly-once uses, the last stable offset),
///    logging its progress; the worker starts its stream threads only after that, so the
///    first stream record already sees the whole table;
/// 2. then **keeps reading** as the topics grow, applying each fetched run of records to its
///    store at once (a tombstone deletes).
///
/// Each run is written with the offsets it reaches in one atomic RocksDB write, so a
/// restart reads only the tail. Records without a key are skipped (a table has no entry
/// for them), and so are records whose key or value the table's serdes cannot read (a
/// warning at most every 10 s names the first); both are counted. Nothing here is
/// changelogged or committed to the group.
final class GlobalStreamThread: @unchecked Sendable {
    /// Where the thread is.
    enum Phase: Sendable {
        case created, bootstrapping, running, stopped
        case failed(any Error)
    }

    /// One partition being read into one store.
    private final class Input {
        let store: GlobalKeyValueStateStore
        let partition: KafkaTopicPartition
        /// The checks of the table's key and value serdes.
        let keyCheck: SerdeCheck
        let valueCheck: SerdeCheck
        let checkpointKey: ChangelogPartition
        /// Where the bootstrap starts: the checkpoint, or the partition's first offset.
        var start: Int64
        /// The end at start: the bootstrap reads up to here.
        var end: Int64 = 0
        /// The offset after the last record read.
        var next: Int64
        var bootstrapped = false

        init(store: GlobalKeyValueStateStore, partition: KafkaTopicPartition, declaration: Topology.GlobalStore) {
            self.store = store
            self.partition = partition
            keyCheck = SerdeCheck(serde: declaration.keySerde)
            valueCheck = SerdeCheck(serde: declaration.valueSerde)
            checkpointKey = ChangelogPartition(topic: partition.topic, partition: partition.partition)
            start = store.checkpoint[checkpointKey] ?? KafkaOffset.beginning
            next = start
        }
    }

    private let manager: GlobalStateManager
    private let configuration: KafkaConfiguration
    private let logger: Logger
    private let phase = Mutex<Phase>(.created)
    private let bootstrapDone = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    private let stopRequested = Atomic<Bool>(false)
    /// The consumer, while the thread runs (``requestStop()`` wakes its poll).
    private let consumer = Mutex<KafkaConsumer?>(nil)
    /// Records applied to the global stores, and keyless records skipped, since the start.
    let applied = Atomic<Int>(0)
    let skipped = Atomic<Int>(0)
    /// Offsets the bootstrap has still to read (0 once bootstrapped), and each partition's
    /// lag behind its (stable) end from librdkafka's statistics, for `/metrics`.
    let bootstrapRemaining = Atomic<Int>(0)
    let lag = Mutex<[KafkaTopicPartition: Int64]>([:])
    /// When an unreadable record was last logged.
    private var lastWarning: ContinuousClock.Instant?
    /// Called on the thread when it fails after the bootstrap.
    var onFailure: (@Sendable (any Error) -> Void)?

    /// `exactlyOnce` reads committed records only, as Kafka Streams' global consumer does
    /// under exactly-once; otherwise `isolation.level` is the `kafka:` section's.
    init(manager: GlobalStateManager, kafka: KafkaConfiguration, exactlyOnce: Bool, logger: Logger) {
        self.manager = manager
        var configuration = kafka
        if exactlyOnce { configuration["isolation.level"] = "read_committed" }
        configuration["enable.partition.eof"] = "true"
        configuration["group.id"] = nil
        configuration["group.instance.id"] = nil
        self.configuration = configuration
        var logger = logger
        logger[metadataKey: "thread"] = "global"
        self.logger = logger
    }

    /// The thread's phase now.
    var current: Phase { phase.withLock { $0 } }

    /// Whether the bootstrap is complete.
    var isBootstrapped: Bool {
        if case .running = current { return true }
        return false
    }

    /// Starts the thread and waits until every global store is bootstrapped; throws what
    /// stopped the bootstrap (Kafka Streams' `KafkaStreams.start()` waits alike).
    func startAndBootstrap() throws {
        phase.withLock { $0 = .bootstrapping }
        let thread = Thread { [self] in
            run()
            finished.signal()
        }
        thread.name = "eddy-global"
        thread.stackSize = 8 << 20
        thread.start()
        bootstrapDone.wait()
        if case .failed(let error) = current { throw error }
    }

    /// Asks the thread to stop reading and end.
    func requestStop() {
        stopRequested.store(true, ordering: .relaxed)
        consumer.withLock { $0?.wakeUp() }
    }

    /// Waits for the thread to end (after ``requestStop()``).
    func join() {
        if case .created = current { return }
        finished.wait()
        finished.signal()
    }

    // MARK: - The thread

    private func run() {
        var inputs: [Input] = []
        do {
            let created = try KafkaConsumer(
                configuration: configuration.withDefaults(["fetch.wait.max.ms": "10", "statistics.interval.ms": "1000"]
                ),
                logger: logger, onStatistics: { [unowned self] stats in lag.withLock { $0 = stats.consumerLag } })
            consumer.withLock { $0 = created }
            defer {
                consumer.withLock { $0 = nil }
                created.close()
            }
            inputs = manager.tables.flatMap { table in
                table.partitions.map { Input(store: table.store, partition: $0, declaration: table.declaration) }
            }
            try bootstrap(inputs, with: created)
            phase.withLock { $0 = .running }
            bootstrapDone.signal()
            let byPartition = routes(inputs)
            while !stopRequested.load(ordering: .relaxed) {
                try poll(created, routes: byPartition, timeout: .milliseconds(100))
            }
            phase.withLock { $0 = .stopped }
        } catch {
            let bootstrapping = !isBootstrapped
            phase.withLock { $0 = .failed(error) }
            if bootstrapping {
                bootstrapDone.signal()
            } else {
                logger.error("the global-store thread failed: \(error)")
                onFailure?(error)
            }
        }
    }

    /// Reads every partition to its end at start, logging the progress every 2 s.
    private func bootstrap(_ inputs: [Input], with consumer: KafkaConsumer) throws {
        let started = ContinuousClock.now
        for input in inputs {
            let (low, high) = try consumer.watermarks(input.partition, timeout: .seconds(30))
            input.end = high
            if input.next < low { input.next = low }
            input.start = input.next
            input.bootstrapped = input.next >= high
        }
        try consumer.assign(
            inputs.map {
                KafkaTopicPartitionOffset(topic: $0.partition.topic, partition: $0.partition.partition, offset: $0.next)
            })
        let byPartition = routes(inputs)
        let total = inputs.reduce(Int64(0)) { $0 + max(0, $1.end - $1.next) }
        bootstrapRemaining.store(Int(total), ordering: .relaxed)
        var lastReport = ContinuousClock.now
        logger.info(
            "bootstrapping global store(s) \(manager.tables.map(\.declaration.store.name).joined(separator: ", ")) from \(inputs.count) partition(s): \(total) offsets to read"
        )
        while inputs.contains(where: { !$0.bootstrapped }) {
            guard !stopRequested.load(ordering: .relaxed) else { throw GlobalBootstrapStopped() }
            try poll(consumer, routes: byPartition, timeout: .milliseconds(100))
            for input in inputs where !input.bootstrapped {
                input.bootstrapped =
                    try input.next >= input.end || consumer.hasReachedEnd(input.partition)
                    || (consumer.position([input.partition]).first.map { $0.offset >= input.end } ?? false)
            }
            let remaining = inputs.reduce(Int64(0)) { $0 + ($1.bootstrapped ? 0 : max(0, $1.end - $1.next)) }
            bootstrapRemaining.store(Int(remaining), ordering: .relaxed)
            if ContinuousClock.now - lastReport >= .seconds(2) {
                lastReport = .now
                let done = inputs.reduce(Int64(0)) { $0 + max(0, min($1.next, $1.end) - $1.start) }
                logger.info(
                    "bootstrapping global stores: \(done)/\(total) offsets (\(total > 0 ? done * 100 / total : 100)%)")
            }
        }
        let elapsed = ContinuousClock.now - started
        let milliseconds = elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000
        logger.info(
            "global store(s) bootstrapped: \(applied.load(ordering: .relaxed)) records from \(inputs.count) partition(s) in \(milliseconds) ms"
        )
    }

    /// The inputs by topic-partition.
    private func routes(_ inputs: [Input]) -> [KafkaTopicPartition: Input] {
        Dictionary(uniqueKeysWithValues: inputs.map { ($0.partition, $0) })
    }

    /// Reads what is fetched (waiting up to `timeout` for the first record) and applies each
    /// run of one partition's records to its store with the offset it reaches.
    private func poll(_ consumer: KafkaConsumer, routes: [KafkaTopicPartition: Input], timeout: Duration) throws {
        var lastHandle: OpaquePointer?
        var lastPartition: Int32 = -1
        var input: Input?
        try consumer.pollRuns(maxRecords: 10_000, timeout: timeout) { run in
            if run.topicHandle != lastHandle || run.partition != lastPartition {
                lastHandle = run.topicHandle
                lastPartition = run.partition
                input =
                    routes[
                        KafkaTopicPartition(
                            topic: KafkaRecordView.topicName(of: run.topicHandle), partition: run.partition)]
            }
            guard let input else { return }
            let records = copy run
            var unusable = 0
            var problem: (offset: Int64, reason: String)?
            try input.store.apply(
                { update in
                    for index in 0..<records.count {
                        let record = records[index]
                        guard let key = record.key else {
                            unusable += 1
                            continue
                        }
                        if let reason = input.keyCheck.problem(key).map({ "key is \($0)" })
                            ?? input.valueCheck.problem(record.value).map({ "value is \($0)" })
                        {
                            unusable += 1
                            if problem == nil { problem = (record.offset, reason) }
                            continue
                        }
                        update((key, record.value))
                    }
                }, checkpoint: [input.checkpointKey: records[records.count - 1].offset + 1])
            input.next = records[records.count - 1].offset + 1
            applied.add(records.count - unusable, ordering: .relaxed)
            if unusable > 0 { skipped.add(unusable, ordering: .relaxed) }
            if let problem, lastWarning.map({ ContinuousClock.now - $0 >= .seconds(10) }) ?? true {
                lastWarning = .now
                logger.warning(
                    "global table \(input.partition.topic): skipped the record at offset \(problem.offset) of partition \(input.partition.partition): \(problem.reason) (skipped records are counted; logged at most every 10 s)"
                )
            }
        }
    }
}

/// The worker was asked to stop while its global stores were bootstrapping.
struct GlobalBootstrapStopped: Error, CustomStringConvertible {
    var description: String { "stopped while bootstrapping the global stores" }
}
