import EddyKafka
import Foundation
import EddyState
import Logging

/// Brings a new task's logged stores up to date from their changelog topics before the task
/// processes anything: from each store's checkpoint (the offset its disk state is complete
/// to) to the end of the changelog, reading committed records only. A store restored to its
/// checkpoint replays only the tail; an in-memory store replays everything.
struct StateRestorer {
    let configuration: KafkaConfiguration
    let logger: Logger

    /// Restores every logged store; returns the number of changelog records applied.
    func restore(_ stores: [TaskStore], timeout: Duration = .seconds(300)) throws -> Int {
        let logged = stores.filter { $0.changelog != nil }
        guard !logged.isEmpty else { return 0 }
        var restoreConfiguration = configuration
        restoreConfiguration["isolation.level"] = "read_committed"
        restoreConfiguration["enable.partition.eof"] = "true"
        restoreConfiguration["group.id"] = nil
        let consumer = try KafkaConsumer(
            configuration: restoreConfiguration.withDefaults(["fetch.wait.max.ms": "10"]), logger: logger)
        defer { consumer.close() }
        var total = 0
        var buffer = RestoreBuffer()
        for store in logged {
            let changelog = store.changelog!
            let tp = KafkaTopicPartition(topic: changelog.topic, partition: changelog.partition)
            let (low, high) = try consumer.watermarks(tp, timeout: .seconds(30))
            let start = max(store.checkpoint ?? low, low)
            guard start < high else {
                logger.debug("\(store.name) for \(tp) is up to date at offset \(start)")
                continue
            }
            let started = ContinuousClock.now
            try consumer.assign([KafkaTopicPartitionOffset(topic: tp.topic, partition: tp.partition, offset: start)])
            var applied = 0
            var lastReport = started
            while try !consumer.hasReachedEnd(tp) && (consumer.position([tp]).first.map { $0.offset < high } ?? true) {
                guard ContinuousClock.now - started < timeout else {
                    throw ProcessingFailed(description: "restoring \(store.name) from \(tp) did not reach offset \(high) within \(timeout)")
                }
                buffer.removeAll()
                var next: Int64 = -1
                try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100)) { record in
                    next = record.offset + 1
                    guard let key = record.key else { return }
                    buffer.append(key: key, value: record.value)
                }
                guard next >= 0 else { continue }
                try store.restore(buffer, nextOffset: next)
                applied += buffer.count
                FaultInjection.reach(.duringRestoration)
                if ContinuousClock.now - lastReport >= .seconds(2) {
                    lastReport = .now
                    logger.info("\(Self.progress(store.name, tp, done: next - start, of: high - start, since: started))")
                }
            }
            // Write what the store gathered, with its checkpoint, before the task starts.
            try store.completeRestore()
            total += applied
            let seconds = Self.seconds(since: started)
            logger.info(
                "restored \(store.name) from \(tp): \(applied) records, offsets \(start)..<\(high)\(seconds > 0 ? ", \(Int(Double(applied) / seconds)) records/s" : "")")
        }
        return total
    }

    /// `restoring counts from app-counts-changelog-3: 400000/1000000 offsets (40%), 512000/s, ETA 1.2 s`.
    static func progress(_ store: String, _ tp: KafkaTopicPartition, done: Int64, of total: Int64, since started: ContinuousClock.Instant) -> String {
        let seconds = Self.seconds(since: started)
        let rate = seconds > 0 ? Double(done) / seconds : 0
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return "restoring \(store) from \(tp): \(done)/\(total) offsets (\(total > 0 ? done * 100 / total : 100)%), \(Int(rate))/s, ETA \(String(format: "%.1f", eta)) s"
    }

    private static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// Changelog records of one poll, copied into one reused byte arena (no allocation per
/// record once warm) so they can be applied in a single write batch.
struct RestoreBuffer {
    private var bytes: [UInt8] = []
    /// (key start, key length, value start, value length or -1 for a tombstone).
    private var entries: [(Int, Int, Int, Int)] = []

    var count: Int { entries.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    mutating func append(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) {
        let keyStart = bytes.count
        bytes.append(contentsOf: key)
        let valueStart = bytes.count
        if let value { bytes.append(contentsOf: value) }
        entries.append((keyStart, key.count, valueStart, value?.count ?? -1))
    }

    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) {
        bytes.withUnsafeBytes { all in
            for (keyStart, keyCount, valueStart, valueCount) in entries {
                let key = UnsafeRawBufferPointer(rebasing: all[keyStart..<(keyStart + keyCount)])
                let value = valueCount < 0 ? nil : UnsafeRawBufferPointer(rebasing: all[valueStart..<(valueStart + valueCount)])
                body(key, value)
            }
        }
    }
}
