import EddyEngine
import EddyHost
import EddyPlugins
import EddySDK
import Foundation

// The DSL benchmark: ns per input record through a task graph (the host's engine, no
// Kafka) for a filter + mapValues written as DSL operators and as one Processor API
// processor, on JSON and on 8-byte integer values. Half the inputs pass the filter. The
// application file's built-ins (typed functions on JSON fields) run only inside the host's
// tasks; Benchmarks/run.sh measures them end to end (W2) beside the same two forms.

let records = Int(CommandLine.arguments.dropFirst().first ?? "") ?? 1_000_000
let runLength = 500
let rounds = 5

let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
let cache = NSTemporaryDirectory() + "eddy-dsl-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: cache) }
let plugin: LoadedPlugin
do {
    plugin = try PluginLoader(pluginDirectory: products, cacheDirectory: cache).load(products + "/libBenchDSL.so")
} catch {
    fatalError("\(error) — build first: swift build -c release --package-path Benchmarks")
}

/// Counts what reaches the sink and sums value bytes, so the optimizer cannot drop the work.
final class CountingSink: GraphNode {
    var records = 0
    var bytes = 0
    override func process(_ run: RecordRun) throws {
        records &+= run.count
        for index in 0..<run.count { bytes &+= run.records[index].value.len }
    }
}

final class BenchEnvironment: TaskEnvironment {
    func reject(origin: Int32, reason: String, node: String, plugin: String?) throws {
        fatalError("\(node) rejected a record: \(reason)")
    }
    func dropped(origin: Int32, node: String, reason: String) {}
    var wallClockTime: Int64 { 0 }
    func log(_ level: LogLevel, _ message: String, node: String) {}
}

/// Input values: amounts alternating 5 and 50 (half pass), as JSON or 8-byte integers.
func inputs(json: Bool) -> [[UInt8]] {
    (0..<runLength).map { index in
        let amount = index % 2 == 0 ? 5 : 50
        if json { return Array(#"{"id":"p\#(index)","amount":\#(amount).25,"country":"NL"}"#.utf8) }
        return withUnsafeBytes(of: Int64(amount).bigEndian) { Array($0) }
    }
}

/// A task graph of `topology`'s sub-topology reading `topic`, with a counting sink.
func graph(_ topology: Topology, reading topic: String, environment: BenchEnvironment) throws -> (
    TaskGraph, SourceNode, CountingSink
) {
    let sub = topology.subTopology(readingTopic: topic)!
    var sink: CountingSink?
    let graph = try TaskGraph(
        subTopology: sub, taskId: "0_0", applicationId: "bench", plugins: [plugin.name: plugin.description],
        stores: [:],
        environment: environment
    ) { node in
        let made = CountingSink(name: node.name)
        sink = made
        return made
    }
    return (graph, graph.sources[topic]!, sink!)
}

/// Best-of-`rounds` ns per input record, running `records` records in runs of `runLength`.
func measure(_ topology: Topology, topic: String, json: Bool) throws -> (ns: Double, out: Int) {
    let environment = BenchEnvironment()
    let (graph, source, sink) = try graph(topology, reading: topic, environment: environment)
    let values = inputs(json: json)
    let key = Array("user-42".utf8)
    var best = Double.infinity
    var views = [eddy_record](repeating: eddy_record(), count: runLength)
    var origins = (0..<runLength).map(Int32.init)
    var times = [Int64](repeating: 1, count: runLength)
    for _ in 0..<rounds {
        sink.records = 0
        let start = DispatchTime.now().uptimeNanoseconds
        try key.withUnsafeBytes { keyBuffer in
            // Values are laid out once; each run's views point into them.
            let storage = values.map { bytes in
                let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: bytes.count, alignment: 1)
                buffer.copyBytes(from: bytes)
                return buffer
            }
            defer { storage.forEach { $0.deallocate() } }
            for index in 0..<runLength {
                views[index] = eddy_record(
                    struct_size: recordStructSize, key: eddy_bytes(borrowing: keyBuffer),
                    value: eddy_bytes(borrowing: UnsafeRawBufferPointer(storage[index])),
                    timestamp: 1, topic: eddy_str(ptr: nil, len: 0), partition: 0, offset: Int64(index), headers: nil,
                    header_count: 0)
            }
            var done = 0
            while done < records {
                let count = min(runLength, records - done)
                try views.withUnsafeBufferPointer { recordBuffer in
                    try origins.withUnsafeBufferPointer { originBuffer in
                        try times.withUnsafeBufferPointer { timeBuffer in
                            try graph.process(
                                RecordRun(
                                    records: recordBuffer.baseAddress!, origins: originBuffer.baseAddress!, count: count
                                ), from: source,
                                streamTimes: timeBuffer.baseAddress!)
                        }
                    }
                }
                done += count
            }
        }
        best = min(best, Double(DispatchTime.now().uptimeNanoseconds - start) / Double(records))
    }
    _ = origins.withUnsafeMutableBufferPointer { $0.count }
    _ = times.withUnsafeMutableBufferPointer { $0.count }
    return (best, sink.records)
}

/// A topology of one processor of the plugin between a source and a sink.
func processorTopology(_ processor: String, topic: String) throws -> Topology {
    let location = TopologyError.Location("bench")
    return try Topology.build(
        applicationId: "bench",
        nodes: [
            .init(
                Topology.Node(
                    name: "in", kind: .source(.init(topics: [topic], keySerde: "bytes", valueSerde: "bytes")),
                    parents: []), at: location),
            .init(
                Topology.Node(
                    name: "p", kind: .processor(plugin: plugin.name, processor: processor, config: [:]), parents: ["in"]
                ), at: location),
            .init(
                Topology.Node(
                    name: "out", kind: .sink(.init(topic: "out", keySerde: "bytes", valueSerde: "bytes")),
                    parents: ["p"]), at: location),
        ])
}

do {
    let dsl = try Topology.build(
        applicationId: "bench", nodes: try Topology.declaredNodes(ofPlugin: plugin.name, plugin.description))
    let cases: [(String, Topology, String, Bool)] = [
        ("DSL filter + mapValues, JSON (Codable)", dsl, "json-in", true),
        (
            "one Processor API processor, JSON (Codable)", try processorTopology("json-filter-map", topic: "json-in"),
            "json-in", true
        ),
        ("DSL filter + mapValues, i64", dsl, "int-in", false),
        ("one Processor API processor, i64", try processorTopology("int-filter-map", topic: "int-in"), "int-in", false),
    ]
    print("eddy-dsl-bench: \(records) records in runs of \(runLength), best of \(rounds); half pass the filter")
    print("| pipeline | ns per input record | outputs |")
    print("|---|---|---|")
    for (name, topology, topic, json) in cases {
        let (ns, out) = try measure(topology, topic: topic, json: json)
        print("| \(name) | \(String(format: "%.1f", ns)) | \(out) |")
    }
} catch {
    fatalError("\(error)")
}
