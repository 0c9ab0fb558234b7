import EddyKafka
import Foundation
import Logging
import Synchronization

/// A worker's link to its application's metadata topic (`<application.id>-streams-metadata`,
/// compacted, one partition, keyed by `instance.id`): it publishes this worker's
/// ``InstanceMetadata`` every 2 s and whenever it changes, reads every worker's, and writes a
/// tombstone when the worker stops. Every worker thus knows where each task runs (for
/// interactive queries) and hears a `shutdown_application` request; the reset tool reads it
/// to refuse while a worker runs.
///
/// Runs on a dedicated OS thread (blocking librdkafka calls never touch Swift's cooperative
/// pool); other threads read ``members`` and call ``requestShutdown(_:)``.
public final class MetadataChannel: @unchecked Sendable {
    /// This worker's tasks as its stream threads see them now.
    public typealias Snapshot = @Sendable () -> (running: [String], restoring: [String])

    public let topic: String
    /// This worker's `instance.id`.
    public let instanceId: String
    private let server: String?
    private let startedMs: Int64
    private let snapshot: Snapshot
    private let onShutdownRequest: @Sendable (InstanceMetadata) -> Void
    private let logger: Logger
    private let producer: KafkaProducer
    private let consumer: KafkaConsumer
    private let state = Mutex(State())
    private let stopRequested = Atomic<Bool>(false)
    private let started = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    private struct State {
        var members: [String: InstanceMetadata] = [:]
        var shutdownRequest: String?
        var heardShutdown = false
    }

    /// Creates the topic if needed, reads it to its end, and (when another worker asks the
    /// application to shut down) reports that through `onShutdownRequest` before returning.
    public init(
        kafka: KafkaConfiguration, topic: KafkaNewTopic, instanceId: String, server: String?,
        snapshot: @escaping Snapshot,
        logger: Logger, onShutdownRequest: @escaping @Sendable (InstanceMetadata) -> Void
    ) throws {
        self.topic = topic.name
        self.instanceId = instanceId
        self.server = server
        self.startedMs = Self.nowMs()
        self.snapshot = snapshot
        self.onShutdownRequest = onShutdownRequest
        self.logger = logger
        try KafkaAdmin(configuration: kafka, logger: logger).createTopics([topic], ifNotExists: true)
        producer = try KafkaProducer(
            configuration: kafka.withDefaults(["acks": "all", "linger.ms": "0"]), logger: logger)
        consumer = try KafkaConsumer(
            configuration: kafka.withDefaults(["enable.partition.eof": "true"]), logger: logger)
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic.name, partition: 0, offset: KafkaOffset.beginning)])
        try readToEnd()
        try publish()
    }

    /// Every worker whose record is fresh (this one included), by instance id.
    public var members: [InstanceMetadata] {
        let now = Self.nowMs()
        return state.withLock {
            $0.members.values.filter { $0.isAlive(at: now) }.sorted { $0.instanceId < $1.instanceId }
        }
    }

    /// Starts republishing and reading on a thread of its own.
    public func start() {
        let thread = Thread { [self] in
            loop()
            finished.signal()
        }
        thread.name = "eddy-metadata"
        started.store(true, ordering: .relaxed)
        thread.start()
    }

    /// Asks every worker of the application to stop: publishes the request at once.
    public func requestShutdown(_ reason: String) {
        state.withLock { $0.shutdownRequest = reason }
        do {
            try publish()
            try producer.flush(timeout: .seconds(10))
        } catch {
            logger.error("could not publish the application shutdown request to \(topic): \(error)")
        }
    }

    /// Stops the thread and removes this worker's record (a tombstone); once.
    public func stop() {
        guard !stopRequested.exchange(true, ordering: .relaxed) else { return }
        if started.load(ordering: .relaxed) { finished.wait() }
        do {
            try producer.send(KafkaProducerRecord(topic: topic, partition: 0, key: Array(instanceId.utf8), value: nil))
            try producer.flush(timeout: .seconds(10))
        } catch {
            logger.warning("could not remove this worker's record from \(topic) (it expires in 10 s): \(error)")
        }
        consumer.close()
    }

    /// Reads the metadata topic of an application to its end: its live workers.
    public static func liveMembers(kafka: KafkaConfiguration, applicationId: String) throws -> [InstanceMetadata] {
        let topic = InstanceMetadata.topic(applicationId: applicationId)
        guard try KafkaAdmin(configuration: kafka).metadata(topic: topic).topic(topic)?.error == nil else { return [] }
        let consumer = try KafkaConsumer(configuration: kafka.withDefaults(["enable.partition.eof": "true"]))
        defer { consumer.close() }
        try consumer.assign([KafkaTopicPartitionOffset(topic: topic, partition: 0, offset: KafkaOffset.beginning)])
        var members: [String: InstanceMetadata] = [:]
        try read(consumer, topic: topic) { key, metadata in members[key] = metadata }
        let now = nowMs()
        return members.values.filter { $0.isAlive(at: now) }.sorted { $0.instanceId < $1.instanceId }
    }

    // MARK: - Private

    private func loop() {
        var lastPublished = Self.nowMs()
        var lastTasks = snapshot()
        while !stopRequested.load(ordering: .relaxed) {
            do {
                try poll(timeout: .milliseconds(200))
                let tasks = snapshot()
                if tasks != lastTasks || Self.nowMs() - lastPublished >= InstanceMetadata.publishIntervalMs {
                    try publish(tasks)
                    lastTasks = tasks
                    lastPublished = Self.nowMs()
                }
                producer.poll()
            } catch {
                logger.warning("metadata topic \(topic): \(error); retrying")
                Thread.sleep(forTimeInterval: 1)
            }
        }
    }

    private func publish(_ tasks: (running: [String], restoring: [String])? = nil) throws {
        let tasks = tasks ?? snapshot()
        let now = Self.nowMs()
        let record = InstanceMetadata(
            instanceId: instanceId, server: server, running: tasks.running.sorted(),
            restoring: tasks.restoring.sorted(), updatedMs: now,
            startedMs: startedMs, shutdownRequest: state.withLock { $0.shutdownRequest })
        state.withLock { $0.members[instanceId] = record }
        try producer.send(
            KafkaProducerRecord(topic: topic, partition: 0, key: Array(instanceId.utf8), value: record.encoded()))
    }

    private func readToEnd() throws {
        try Self.read(consumer, topic: topic) { key, metadata in apply(key, metadata) }
        // Only a request still standing after the whole backlog counts (one followed by its
        // worker's tombstone is over).
        let now = Self.nowMs()
        if let request = state.withLock({
            $0.members.values.first { $0.shutdownRequest != nil && $0.isAlive(at: now) && $0.instanceId != instanceId }
        }) {
            heard(request)
        }
    }

    private func poll(timeout: Duration) throws {
        for record in try consumer.poll(maxRecords: 100, timeout: timeout) {
            guard let key = record.keyString else { continue }
            let metadata = record.value.flatMap(InstanceMetadata.decode)
            apply(key, metadata)
            if let metadata, metadata.shutdownRequest != nil, metadata.instanceId != instanceId,
                metadata.isAlive(at: Self.nowMs())
            {
                heard(metadata)
            }
        }
    }

    private func apply(_ key: String, _ metadata: InstanceMetadata?) {
        guard key != instanceId else { return }  // this worker's own record is what it publishes
        state.withLock { $0.members[key] = metadata }
    }

    private func heard(_ request: InstanceMetadata) {
        let first = state.withLock { state in
            defer { state.heardShutdown = true }
            return !state.heardShutdown
        }
        if first { onShutdownRequest(request) }
    }

    /// Reads `consumer` (assigned partition 0 of `topic`) to the end, handing each record on.
    /// The end is the partition's high watermark when the read starts, asked of its leader:
    /// an empty partition is read at once, without waiting for a fetch to report its end.
    private static func read(_ consumer: KafkaConsumer, topic: String, _ body: (String, InstanceMetadata?) -> Void)
        throws
    {
        let partition = KafkaTopicPartition(topic: topic, partition: 0)
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        let end = try consumer.watermarks(partition, timeout: .seconds(30)).high
        var next: Int64 = 0
        while next < end, !consumer.hasReachedEnd(partition) {
            guard ContinuousClock.now < deadline else {
                throw KafkaError.client(
                    operation: "read \(topic)",
                    reason: "not read to its end (offset \(end)) within 30 s — is the cluster reachable?")
            }
            for record in try consumer.poll(maxRecords: 1000, timeout: .milliseconds(100)) {
                next = max(next, record.offset + 1)
                guard let key = record.keyString else { continue }
                body(key, record.value.flatMap(InstanceMetadata.decode))
            }
        }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
