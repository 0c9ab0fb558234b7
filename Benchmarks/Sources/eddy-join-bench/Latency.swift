import BenchKit
import EddyKafka
import Foundation
import Synchronization

/// Windowed stream–stream join latency: `rate` records/s on each side for `duration`
/// seconds, record i of both sides under key i (one match each), timestamped when produced.
/// An output's latency is its arrival at a `read_committed` reader minus its timestamp (the
/// later of the pair's); the first 2 s are warm-up.
func benchStreamStreamLatency(products: String, rate: Int, duration: Int, guarantee: String) throws {
    let cluster = try BenchCluster()
    for topic in ["left", "right", "paired"] { try cluster.createTopic(topic, partitions: 6) }
    try withScratchDirectory("eddy-join-bench") { directory in
        let worker = try JoinApp.launch(
            JoinApp.streamStream, id: "pairs-\(guarantee)", guarantee: guarantee, products: products, cluster: cluster,
            directory: directory)
        defer { worker.stop() }
        try worker.waitForLines("created (", count: 6, timeout: .seconds(120))

        let reader = try LatencyReader(cluster: cluster, topic: "paired", partitions: 6)
        let producer = try KafkaProducer(
            configuration: cluster.configuration.withDefaults([
                "linger.ms": "5", "batch.num.messages": "10000", "queue.buffering.max.messages": "1000000",
            ]))
        var key = [UInt8](repeating: 0, count: 16)
        let started = ContinuousClock.now
        var sent = 0
        let total = rate * duration
        while sent < total {
            let due = min(total, Int(seconds(started, .now) * Double(rate)))
            while sent < due {
                BenchCluster.fillKey(&key, sent)
                let value = Array(#"{"i":\#(sent)}"#.utf8)
                for topic in ["left", "right"] {
                    try key.withUnsafeBytes { k in
                        try value.withUnsafeBytes { v in
                            try producer.send(topic: topic, partition: Int32(sent % 6), key: k, value: v)
                        }
                    }
                }
                sent += 1
            }
            producer.poll()
            usleep(500)
        }
        try producer.flush(timeout: .seconds(120))
        let sending = seconds(started, .now)
        let outputs = reader.settled(expecting: total, timeout: .seconds(120))
        let latencies = reader.stop(skippingFirst: 2_000).sorted()
        func percentile(_ p: Double) -> Int64 {
            latencies.isEmpty ? -1 : latencies[min(latencies.count - 1, Int(Double(latencies.count) * p))]
        }
        print(
            "stream-stream join (1 s windows), \(guarantee), \(rate) records/s per side for \(duration) s "
                + "(sent at \(format(Double(2 * total) / sending)) records/s in all), 1 stream thread: \(outputs) of \(total) pairs; "
                + "latency p50 \(percentile(0.5)) ms, p99 \(percentile(0.99)) ms, max \(latencies.last ?? -1) ms")
    }
}

/// Reads a topic `read_committed` on a thread of its own and keeps each record's latency
/// (arrival minus record timestamp, ms) with its arrival time.
final class LatencyReader: @unchecked Sendable {
    private let samples = Mutex<[(arrival: Int64, latency: Int64)]>([])
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private let begun = LatencyReader.nowMs()

    init(cluster: BenchCluster, topic: String, partitions: Int32) throws {
        let consumer = try KafkaConsumer(
            configuration: cluster.configuration.withDefaults([
                "isolation.level": "read_committed", "fetch.wait.max.ms": "5",
            ]))
        try consumer.assign(
            (0..<partitions).map {
                KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning)
            })
        Thread { [self] in
            var local: [(arrival: Int64, latency: Int64)] = []
            while !stopped.load(ordering: .relaxed) {
                _ = try? consumer.poll(maxRecords: 10_000, timeout: .milliseconds(5)) { record in
                    let now = Self.nowMs()
                    local.append((now, now - record.timestamp))
                }
                if !local.isEmpty {
                    samples.withLock { $0 += local }
                    local.removeAll(keepingCapacity: true)
                }
            }
            consumer.close()
            finished.signal()
        }.start()
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    var count: Int { samples.withLock { $0.count } }

    /// Waits until `expected` records arrived, or nothing arrived for 5 s, or `timeout`; returns the count.
    func settled(expecting expected: Int, timeout: Duration) -> Int {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        var last = count, since = ContinuousClock.now
        while last < expected, ContinuousClock.now < deadline, ContinuousClock.now - since < .seconds(5) {
            usleep(10_000)
            let now = count
            if now != last {
                last = now
                since = .now
            }
        }
        return last
    }

    /// Stops reading and returns the latencies of records that arrived after the first `warmUpMs`.
    func stop(skippingFirst warmUpMs: Int64) -> [Int64] {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
        return samples.withLock { $0 }.filter { $0.arrival - begun >= warmUpMs }.map(\.latency)
    }
}
