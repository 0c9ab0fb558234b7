import EddyEngine
import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Logging
import Synchronization
import Testing

/// The build products directory (the test runner lives there, next to the plugins and `eddy`).
let productsDirectory = ProcessRunner.productsDirectory

/// A fresh `eddy-broker` for one test, with helpers to create topics, produce and read.
final class Cluster {
    let broker: EmbeddedBroker
    var bootstrap: String { broker.bootstrapServers }

    init() throws { broker = try EmbeddedBroker() }

    deinit { broker.stop() }

    var configuration: KafkaConfiguration { ["bootstrap.servers": bootstrap] }

    func createTopic(_ name: String, partitions: Int32) throws {
        try KafkaAdmin(configuration: configuration).createTopics([KafkaNewTopic(name: name, partitions: partitions)])
    }

    /// Produces records (`key` nil for a null key) and waits until all are written.
    func produce(
        _ topic: String, _ records: [(key: String?, value: [UInt8]?)], partition: (Int) -> Int32? = { _ in nil }
    ) throws {
        let producer = try KafkaProducer(configuration: configuration.withDefaults(["partitioner": "murmur2_random"]))
        for (i, record) in records.enumerated() {
            try producer.send(
                KafkaProducerRecord(
                    topic: topic, partition: partition(i), key: record.key.map { Array($0.utf8) }, value: record.value))
        }
        try producer.flush(timeout: .seconds(30))
    }

    /// Produces records to the given partitions with the given timestamps (ms; `value` nil
    /// for a tombstone), in order, and waits until all are written.
    func produce(_ topic: String, timed records: [(partition: Int32, key: String, value: String?, timestamp: Int64)])
        throws
    {
        let producer = try KafkaProducer(configuration: configuration)
        for record in records {
            try producer.send(
                KafkaProducerRecord(
                    topic: topic, partition: record.partition, key: Array(record.key.utf8),
                    value: record.value.map { Array($0.utf8) },
                    timestamp: record.timestamp))
        }
        try producer.flush(timeout: .seconds(30))
    }

    func produce(_ topic: String, lines: [String], partitions: Int32) throws {
        try produce(topic, lines.map { (nil, Array($0.utf8)) }) { Int32($0) % partitions }
    }

    /// Reads `topic` from the beginning until `count` records arrived (failing after
    /// `timeout`), then keeps reading briefly to catch any extra record.
    func read(
        _ topic: String, count: Int, isolation: String = "read_committed", timeout: Duration = .seconds(90)
    ) throws -> [KafkaConsumerRecord] {
        try read(topic, until: "\(count) records", isolation: isolation, timeout: timeout) { $0.count >= count }
    }

    /// Every committed record of `topic` now in the cluster: reads each partition to its end.
    func readToEnd(_ topic: String, timeout: Duration = .seconds(60)) throws -> [KafkaConsumerRecord] {
        let consumer = try KafkaConsumer(
            configuration: configuration.withDefaults([
                "isolation.level": "read_committed", "enable.partition.eof": "true",
            ]))
        let partitions =
            (try KafkaAdmin(configuration: configuration).metadata(topic: topic).topic(topic)?.partitions ?? [])
            .map { KafkaTopicPartition(topic: topic, partition: $0) }
        try consumer.assign(
            partitions.map {
                KafkaTopicPartitionOffset(topic: topic, partition: $0.partition, offset: KafkaOffset.beginning)
            })
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !partitions.allSatisfy(consumer.hasReachedEnd) {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(topic) was not read to its end within \(timeout)")
                break
            }
            records += try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100))
        }
        consumer.close()
        return records
    }

    /// Reads `topic` from the beginning until `done` holds for what arrived (failing after
    /// `timeout`), then keeps reading briefly to catch any extra record.
    func read(
        _ topic: String, until what: String, isolation: String = "read_committed", timeout: Duration = .seconds(90),
        _ done: ([KafkaConsumerRecord]) -> Bool
    ) throws -> [KafkaConsumerRecord] {
        let consumer = try KafkaConsumer(configuration: configuration.withDefaults(["isolation.level": isolation]))
        let partitions =
            try KafkaAdmin(configuration: configuration).metadata(topic: topic).topic(topic)?.partitions ?? []
        try consumer.assign(
            partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: KafkaOffset.beginning) })
        var records: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !done(records) {
            guard ContinuousClock.now < deadline else {
                Issue.record("\(topic) did not reach \(what) within \(timeout) (\(records.count) records arrived)")
                return records
            }
            records += try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100))
        }
        let grace = ContinuousClock.now.advanced(by: .milliseconds(500))
        while ContinuousClock.now < grace {
            records += try consumer.poll(maxRecords: 10_000, timeout: .milliseconds(100))
        }
        consumer.close()
        return records
    }
}

/// An application file for tests: the given topology under the usual settings.
func appYAML(
    id: String, cluster: Cluster, guarantee: String = "exactly_once_v2", threads: Int = 2, stateDir: String,
    extra: String = "", topology: String
) -> String {
    """
    application.id: \(id)
    bootstrap.servers: \(cluster.bootstrap)
    processing.guarantee: \(guarantee)
    num.stream.threads: \(threads)
    plugins.dir: \(productsDirectory)
    state.dir: \(stateDir)
    \(extra)
    kafka:
      session.timeout.ms: "6000"
      heartbeat.interval.ms: "500"
      fetch.wait.max.ms: "10"
    topology:
    \(topology.split(separator: "\n", omittingEmptySubsequences: false).map { "  " + $0 }.joined(separator: "\n"))
    """
}

/// Runs a worker in this process until `until` holds, then stops it and checks it ended cleanly.
func runWorker(_ config: AppConfig, clock: WallClock = .system, until done: () throws -> Void) throws {
    try runWorker(config, clock: clock) { (_: StreamsApp) in try done() }
}

/// The same, giving `until` the running worker to inspect; `topology`, made in code, runs in
/// place of the file's when given.
func runWorker(
    _ config: AppConfig, topology: Topology? = nil, clock: WallClock = .system, until done: (StreamsApp) throws -> Void
) throws {
    var logger = Logger(label: "eddy.test")
    logger.logLevel = .warning
    let app =
        try topology.map { try StreamsApp(config: config, topology: $0, clock: clock, logger: logger) }
        ?? StreamsApp(config: config, clock: clock, logger: logger)
    try app.start()
    defer {
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
    }
    try done(app)
}

/// The text of a word-count input and the exact output Kafka Streams semantics give for it:
/// one record `(word, n)` for the n-th occurrence of each word.
struct WordCountCase {
    let lines: [String]

    init(lines: [String]) { self.lines = lines }

    init(lines count: Int, seed: UInt64 = 42) {
        let words = ["kafka", "swift", "stream", "state", "eddy", "plugin", "topic", "offset", "commit", "task"]
        var generator = SeededGenerator(seed: seed)
        lines = (0..<count).map { _ in
            (0..<4).map { _ in words[Int(generator.next() % UInt64(words.count))] }.joined(separator: " ")
        }
    }

    var totals: [String: Int] {
        lines.flatMap { $0.split(separator: " ").map(String.init) }.reduce(into: [:]) { $0[$1, default: 0] += 1 }
    }

    var outputCount: Int { totals.values.reduce(0, +) }

    /// The exact expected output as a sorted multiset of `word:count`.
    var expected: [String] {
        totals.flatMap { word, n in (1...n).map { "\(word):\($0)" } }.sorted()
    }

    static func render(_ records: [KafkaConsumerRecord]) -> [String] {
        records.map { "\($0.keyString ?? "null"):\($0.value.map(decodeLong) ?? -1)" }.sorted()
    }

    static let topology = topology(input: "text-input", output: "word-counts")

    /// The word-count topology reading `input` and writing `output`. A test whose topics have
    /// names of its own cannot be reached by another test's worker: one that outlived its own
    /// broker reconnects to whichever broker binds that port next, and with the fixed names
    /// it would read and write this test's topics.
    static func topology(input: String, output: String) -> String {
        """
        sources:
          - name: lines
            topics: [\(input)]
        processors:
          - name: split
            plugin: WordCount
            processor: split
            inputs: [lines]
          - name: by-word
            type: repartition
            inputs: [split]
          - name: count
            plugin: WordCount
            processor: count
            inputs: [by-word]
        sinks:
          - name: out
            topic: \(output)
            inputs: [count]
            value.serde: i64
        """
    }
}

func decodeLong(_ bytes: [UInt8]) -> Int64 { bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) } }

/// `events` → the built-in `count` per key in the `key-counts` store → `counts` (longs):
/// the stateful topology of the restoration and membership tests.
let countPerKeyTopology = """
    sources:
      - {name: events, topics: [events]}
    processors:
      - {name: per-key, type: count, store: key-counts, inputs: [events]}
    sinks:
      - {name: out, topic: counts, inputs: [per-key], value.serde: i64}
    """
