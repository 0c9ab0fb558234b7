import EddyKafka
import Foundation
import Synchronization

/// An `eddy-broker` for one measurement, with the few client operations the benchmarks need.
public final class BenchCluster {
    public let broker: EmbeddedBroker

    public init() throws { broker = try EmbeddedBroker() }

    deinit { broker.stop() }

    public var configuration: KafkaConfiguration { ["bootstrap.servers": broker.bootstrapServers] }

    public func createTopic(_ name: String, partitions: Int32, compacted: Bool = false) throws {
        try KafkaAdmin(configuration: configuration).createTopics([
            KafkaNewTopic(name: name, partitions: partitions, configs: compacted ? ["cleanup.policy": "compact"] : [:])
        ])
    }

    /// Produces `count` records with 16-byte keys `key(first + i)` and 100-byte values,
    /// record i to partition `i % partitions`; returns the records per second.
    @discardableResult
    public func produce(_ topic: String, count: Int, first: Int = 0, keys: Int = .max, partitions: Int32) throws
        -> Double
    {
        let value = [UInt8](repeating: UInt8(ascii: "v"), count: 100)
        return try produce(topic, count: count) { i, key in
            Self.fillKey(&key, (first + i) % keys)
            return (Int32(i % Int(partitions)), value)
        }
    }

    /// Produces `count` records: `record(i, &key)` fills record i's 16-byte key and returns
    /// its partition and value; returns the records per second.
    @discardableResult
    public func produce(_ topic: String, count: Int, _ record: (Int, inout [UInt8]) throws -> (Int32, [UInt8])) throws
        -> Double
    {
        let producer = try KafkaProducer(
            configuration: configuration.withDefaults([
                "linger.ms": "20", "batch.num.messages": "10000", "queue.buffering.max.messages": "500000",
            ]))
        var key = [UInt8](repeating: 0, count: 16)
        let started = ContinuousClock.now
        for i in 0..<count {
            let (partition, value) = try record(i, &key)
            try key.withUnsafeBytes { k in
                try value.withUnsafeBytes { v in try producer.send(topic: topic, partition: partition, key: k, value: v)
                }
            }
            if i % 10_000 == 0 { producer.poll() }
        }
        try producer.flush(timeout: .seconds(300))
        return Double(count) / seconds(started, .now)
    }

    /// Produces one record with a null key and `value` to `partition`, and waits until it is written.
    public func produce(_ topic: String, value: String, partition: Int32) throws {
        let producer = try KafkaProducer(configuration: configuration.withDefaults(["linger.ms": "0"]))
        try Array(value.utf8).withUnsafeBytes { v in
            try producer.send(topic: topic, partition: partition, key: nil, value: v)
        }
        try producer.flush(timeout: .seconds(30))
    }

    /// `key-` and the number in 12 decimal digits: 16 bytes.
    public static func fillKey(_ key: inout [UInt8], _ n: Int) {
        key[0] = UInt8(ascii: "k")
        key[1] = UInt8(ascii: "e")
        key[2] = UInt8(ascii: "y")
        key[3] = UInt8(ascii: "-")
        var rest = n
        for index in stride(from: 15, through: 4, by: -1) {
            key[index] = UInt8(ascii: "0") + UInt8(rest % 10)
            rest /= 10
        }
    }
}

/// Counts the committed records of a topic as they appear, on a thread of its own, with
/// the time each count was first reached available through ``waitFor(_:timeout:)``.
public final class CommittedCounter: @unchecked Sendable {
    private let counted = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    public init(cluster: BenchCluster, topic: String, partitions: Int32) throws {
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration.withDefaults([
                "isolation.level": "read_committed", "fetch.wait.max.ms": "5",
            ]))
        try consumer.assign(
            (0..<partitions).map {
                KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning)
            })
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                let n = (try? consumer.poll(maxRecords: 50_000, timeout: .milliseconds(5)) { _ in }) ?? 0
                counted.add(n, ordering: .relaxed)
            }
            consumer.close()
            finished.signal()
        }.start()
    }

    public var count: Int { counted.load(ordering: .relaxed) }

    /// Polls every millisecond until at least `target` records are counted.
    @discardableResult
    public func waitFor(_ target: Int, timeout: Duration = .seconds(600)) throws -> ContinuousClock.Instant {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while count < target {
            guard ContinuousClock.now < deadline else {
                throw BenchError("only \(count) of \(target) records committed within \(timeout)")
            }
            usleep(1000)
        }
        return .now
    }

    /// Waits until the count has not changed for `quiet` and returns it.
    public func settled(quiet: Duration) -> Int {
        var last = count
        var since = ContinuousClock.now
        while ContinuousClock.now - since < quiet {
            usleep(5000)
            if count != last {
                last = count
                since = .now
            }
        }
        return last
    }

    public func stop() {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
    }
}
