import EddyKafka
import EddyRuntime
import Foundation
import Logging
import Synchronization

// Word count (split → repartition → count) under exactly_once_v2 with 2 stream threads, fed
// at a steady rate. At 8 s the WordCount plugin is reloaded to its second build, at 12 s
// rolled back; at 16 s the worker is stopped and started again (a restart). Each output's
// latency is its arrival time minus its input record's timestamp.

let rate = Int(ProcessInfo.processInfo.environment["RATE"] ?? "") ?? 5_000  // lines/s, 4 words each
let seconds = 24
/// The release products holding libWordCount.so and libWordCountV2.so (run.sh passes its own).
let products =
    ProcessInfo.processInfo.environment["EDDY_PLUGINS_BUILD"]
    ?? URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../.build/release").standardized.path

func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

var logger = Logger(label: "eddy.bench")
logger.logLevel = .error
let broker = try EmbeddedBroker()
let kafka: KafkaConfiguration = ["bootstrap.servers": broker.bootstrapServers]
try KafkaAdmin(configuration: kafka).createTopics([
    KafkaNewTopic(name: "text-input", partitions: 6), KafkaNewTopic(name: "word-counts", partitions: 6),
])
let work = FileManager.default.temporaryDirectory.appendingPathComponent("eddy-reload-bench-\(getpid())").path
let plugins = work + "/plugins"
try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
for file in ["libWordCount.so", "libWordCountV2.so"] {
    try FileManager.default.copyItem(atPath: products + "/" + file, toPath: plugins + "/" + file)
}
defer { try? FileManager.default.removeItem(atPath: work) }
let yaml = """
    application.id: reload-bench
    bootstrap.servers: \(broker.bootstrapServers)
    processing.guarantee: exactly_once_v2
    num.stream.threads: 2
    plugins.dir: \(plugins)
    plugins.watch: false
    state.dir: \(work)/state
    topology:
      sources: [{name: lines, topics: [text-input]}]
      processors:
        - {name: split, plugin: WordCount, processor: split, inputs: [lines]}
        - {name: by-word, type: repartition, inputs: [split]}
        - {name: count, plugin: WordCount, processor: count, inputs: [by-word]}
      sinks: [{name: out, topic: word-counts, inputs: [count], value.serde: i64}]
    """
let config = try AppConfig.parse(yaml: yaml, file: "reload-bench.yaml")

// Outputs: (arrival ms, latency ms), read committed.
let arrivals = Mutex<[(Int64, Int64)]>([])
let stop = Atomic<Bool>(false)
let reader = Thread {
    let consumer = try! KafkaConsumer(
        configuration: kafka.withDefaults(["isolation.level": "read_committed", "fetch.wait.max.ms": "5"]))
    try! consumer.assign(
        (0..<6).map { KafkaTopicPartitionOffset(topic: "word-counts", partition: $0, offset: KafkaOffset.beginning) })
    var local: [(Int64, Int64)] = []
    while !stop.load(ordering: .relaxed) {
        _ = try? consumer.poll(maxRecords: 10_000, timeout: .milliseconds(20)) { record in
            let now = nowMs()
            local.append((now, now - record.timestamp))
        }
        if !local.isEmpty {
            arrivals.withLock { $0 += local }
            local.removeAll(keepingCapacity: true)
        }
    }
}
reader.start()

var app = try StreamsApp(config: config, logger: logger)
try app.start()
let words = ["kafka", "swift", "stream", "state", "eddy", "plugin", "topic", "offset"]
let producer = try KafkaProducer(configuration: kafka.withDefaults(["linger.ms": "1"]))
let start = nowMs()
var events: [(String, Int64)] = []
var reloadPauses: [Duration] = []
var sent = 0
var restartStopped: Int64 = 0, restartStarted: Int64 = 0
while nowMs() - start < Int64(seconds) * 1000 {
    let elapsed = nowMs() - start
    let due = Int(elapsed) * rate / 1000
    while sent < due {
        let line = (0..<4).map { words[($0 * 7 + sent) % words.count] }.joined(separator: " ")
        try producer.send(
            KafkaProducerRecord(
                topic: "text-input", partition: Int32(sent % 6), key: nil, value: Array(line.utf8), timestamp: nowMs()))
        sent += 1
    }
    producer.poll()
    if events.isEmpty, elapsed >= 8000 {
        let report = try app.reload("WordCount", file: plugins + "/libWordCountV2.so")!
        reloadPauses += report.threads.map(\.pause)
        events.append(("reload", elapsed))
    } else if events.count == 1, elapsed >= 12000 {
        reloadPauses += try app.rollback("WordCount").threads.map(\.pause)
        events.append(("rollback", elapsed))
    } else if events.count == 2, elapsed >= 16000 {
        restartStopped = nowMs()
        app.requestStop()
        _ = app.join()
        app = try StreamsApp(config: config, logger: logger)
        try app.start()
        restartStarted = nowMs()
        events.append(("restart", elapsed))
    }
    usleep(1000)
}
try producer.flush(timeout: .seconds(30))
sleep(3)
stop.store(true, ordering: .relaxed)
app.requestStop()
_ = app.join()

// Report.
let outputs = arrivals.withLock { $0 }.map { ($0.0 - start, $0.1) }.sorted { $0.0 < $1.0 }
func window(_ from: Int64, _ to: Int64) -> [(Int64, Int64)] { outputs.filter { $0.0 >= from && $0.0 < to } }
func percentile(_ values: [Int64], _ p: Double) -> Int64 {
    guard !values.isEmpty else { return -1 }
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}
func longestGap(_ slice: [(Int64, Int64)]) -> Int64 {
    zip(slice.dropFirst(), slice).map { $0.0 - $1.0 }.max() ?? -1
}
print(
    "eddy-reload-bench: \(rate) lines/s (\(rate * 4) outputs/s), exactly_once_v2, 2 stream threads, commit.interval.ms 100"
)
print("window                         outputs   p50 ms   p99 ms   longest output gap ms")
let rows: [(String, Int64, Int64)] = [
    ("steady (5-8 s)", 5000, 8000), ("reload v1->v2 (8-9 s)", 8000, 9000), ("rollback v2->v1 (12-13 s)", 12000, 13000),
    ("restart (16-21 s)", 16000, 21000),
]
for (name, from, to) in rows {
    let slice = window(from, to)
    print(
        name.padding(toLength: 30, withPad: " ", startingAt: 0), String(slice.count).leftPad(8),
        String(percentile(slice.map(\.1), 0.5)).leftPad(8), String(percentile(slice.map(\.1), 0.99)).leftPad(8),
        String(longestGap(slice)).leftPad(23))
}
let pausesMs = reloadPauses.map { Double($0.components.attoseconds) / 1e15 + Double($0.components.seconds) * 1000 }
print("swap pause per thread (ms):", pausesMs.map { String(format: "%.2f", $0) }.joined(separator: ", "))
print("restart: stop+start took \(restartStarted - restartStopped) ms before processing could resume")

extension String {
    func leftPad(_ width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
