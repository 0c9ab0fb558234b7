import EddyEngine
import EddyKafka
import EddyRuntime
import EddySDK
import EddyServer
import EddyState
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Aggregations on a real broker forward and store the timestamps Kafka Streams' do: a key's
/// (or window's) first record gives its own, every later one the larger of its timestamp and
/// the stored aggregate's — so a record older than the aggregate does not take it back in
/// time — and a table–table join of an aggregated table reads the aggregate's timestamp from
/// its RocksDB store. The SDK's `AggregationTimestampTests` give the same rule in
/// `TopologyTestDriver`.
@Suite struct AggregationTimestampTests {
    /// The application file's built-in `count`, typed `reduce` (Enrich.sum) and tumbling-window
    /// `count` over `events` (one partition).
    static let topology = """
        sources:
          - {name: events, topics: [events], value.serde: json}
        processors:
          - {name: counts, type: count, store: counts, inputs: [events]}
          - {name: totals, type: reduce, function: Enrich.sum, field: amount, store: totals, inputs: [events]}
          - {name: per-window, type: count, store: window-counts, window: {type: tumbling, size.ms: 100}, inputs: [events]}
        sinks:
          - {name: counts-out, topic: counts, inputs: [counts], value.serde: i64}
          - {name: totals-out, topic: totals, inputs: [totals]}
          - {name: windows-out, topic: window-counts, inputs: [per-window], value.serde: i64}
        """

    /// Under `k` amounts 1@50, 2@30 (older than the aggregate), 4@70, 8@60 (older again);
    /// under `j` 5@20 — in this order on one partition.
    static let events: [(key: String, amount: Int, time: Int64)] = [
        ("k", 1, 50), ("k", 2, 30), ("j", 5, 20), ("k", 4, 70), ("k", 8, 60),
    ]

    @Test func builtInAggregationsForwardAndStoreTheLargestTimestampOfTheirRecords() throws {
        let cluster = try Cluster()
        for topic in ["events", "counts", "totals", "window-counts"] { try cluster.createTopic(topic, partitions: 1) }
        try cluster.produce(
            "events", timed: Self.events.map { (0, $0.key, #"{"amount":\#($0.amount)}"#, $0.time) })
        let dir = TemporaryDirectory()
        let id = uniqueName("agg-ts")
        let yaml = appYAML(
            id: id, cluster: cluster, threads: 1, stateDir: dir.path + "/state", extra: "commit.interval.ms: 50",
            topology: Self.topology)
        let app = try dir.write("app.yaml", yaml)
        var counts: [String] = [], totals: [String] = [], windows: [String] = []
        try runWorker(try AppConfig.load(path: app)) { worker in
            counts = try cluster.read("counts", count: 5).map {
                "\($0.keyString!)=\(decodeLong($0.value!))@\($0.timestamp)"
            }
            totals = try cluster.read("totals", count: 5).map { "\($0.keyString!)=\($0.valueString!)@\($0.timestamp)" }
            windows = try cluster.read("window-counts", count: 5).map { record in
                let key = record.key!
                let start = key.suffix(8).reduce(Int64(0)) { $0 << 8 | Int64($1) }
                return
                    "\(String(decoding: key.dropLast(8), as: UTF8.self))[\(start)]=\(decodeLong(record.value!))@\(record.timestamp)"
            }
            let endpoint = try WorkerEndpoint(app: worker, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            // The stores' keys are the records' bytes ("k" is 6b).
            #expect(
                try EndpointClient.get(port: endpoint.port, "/stores/counts/keys/6b").body
                    == #"{"key":"6b","timestamp":70,"value":4}"# + "\n")
            #expect(
                try EndpointClient.get(port: endpoint.port, "/stores/window-counts/windows/6b?from=0&to=100").body
                    == #"{"results":[{"key":"6b","timestamp":70,"value":4,"windowEnd":100,"windowStart":0}]}"# + "\n")
        }
        #expect(counts == ["k=1@50", "k=2@50", "j=1@20", "k=3@70", "k=4@70"])
        #expect(totals == ["k=1.0@50", "k=3.0@50", "j=5.0@20", "k=7.0@70", "k=15.0@70"])
        #expect(windows == ["k[0]=1@50", "k[0]=2@50", "j[0]=1@20", "k[0]=3@70", "k[0]=4@70"])

        let dump = try ProcessRunner.eddy(["store", "dump", app, "counts"])
        #expect(dump.stdout == "0_0\t6a\t1\n0_0\t6b\t4\n", "\(dump.stderr)")
        let json = try ProcessRunner.eddy(["store", "dump", app, "totals", "--format", "json"])
        #expect(
            json.stdout
                == #"{"key":"6a","task":"0_0","timestamp":20,"value":"5.0"}"# + "\n"
                + #"{"key":"6b","task":"0_0","timestamp":70,"value":"15.0"}"# + "\n", "\(json.stderr)")
        let window = try ProcessRunner.eddy(["store", "get", app, "window-counts", "6b", "--format", "json"])
        #expect(
            window.stdout == #"{"key":"6b","task":"0_0","timestamp":70,"value":4,"windowEnd":100,"windowStart":0}"#
                + "\n",
            "\(window.stderr)")
    }

    /// The totals per key (the typed reduce above) joined with a table of users: each result
    /// has the larger of both sides' timestamps, the totals' read from their store. The
    /// topics are written before the worker starts, so the time-ordered input processes, under
    /// `k`: user `U@40`; amounts `1@50` (the aggregate newer than the user), `2@30` (the
    /// aggregate stays at 50: the result too), `4@80`; user `V@85` (the aggregate older);
    /// user `W@60` (older than the stored aggregate, which gives the result its 80).
    @Test func aTableJoinOfAnAggregatedTableTakesTheAggregatesStoredTimestamp() throws {
        let cluster = try Cluster()
        for topic in ["events", "users", "joined"] { try cluster.createTopic(topic, partitions: 1) }
        try cluster.produce(
            "events",
            timed: [(0, "k", #"{"amount":1}"#, 50), (0, "k", #"{"amount":2}"#, 30), (0, "k", #"{"amount":4}"#, 80)])
        try cluster.produce("users", timed: [(0, "k", #""U""#, 40), (0, "k", #""V""#, 85), (0, "k", #""W""#, 60)])
        let dir = TemporaryDirectory()
        let id = uniqueName("agg-join-ts")
        // The file loads Enrich (the typed reduce's plugin); the topology below runs in its place.
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: id, cluster: cluster, threads: 1, stateDir: dir.path, extra: "commit.interval.ms: 50",
                topology: Self.topology),
            file: "app.yaml")
        var output: [String] = []
        try runWorker(config, topology: try Self.joinTopology(id)) { _ in
            output = try cluster.read("joined", count: 5).map { "\($0.timestamp) \($0.valueString ?? "tombstone")" }
        }
        #expect(
            output == [
                #"50 {"left":1.0,"right":"U"}"#, #"50 {"left":3.0,"right":"U"}"#, #"80 {"left":7.0,"right":"U"}"#,
                #"85 {"left":7.0,"right":"V"}"#, #"80 {"left":7.0,"right":"W"}"#,
            ])
    }

    /// A count's store left by an Eddy that kept aggregates without timestamps (value serde
    /// `i64`; now `timestamped:i64`) is refused when its task opens, with the fix, and the
    /// worker stops with that error (`uncaught.exception.handler: shutdown_client`).
    @Test func aCountStoreFromBeforeAggregationsKeptTimestampsIsRefusedWithTheFix() throws {
        let cluster = try Cluster()
        for topic in ["events", "counts", "totals", "window-counts"] { try cluster.createTopic(topic, partitions: 1) }
        try cluster.produce("events", timed: [(0, "k", #"{"amount":1}"#, 50)])
        let dir = TemporaryDirectory()
        let id = uniqueName("agg-ts-plain")
        let state = try StateDirectory(
            root: dir.path, applicationId: id, environment: RocksDBEnvironment(memoryMB: 16))
        let task = try state.lockTask("0_0")
        let plain = try task.openKeyValueStore(
            StoreSpec(name: "counts", keySerde: "bytes", valueSerde: "i64"),
            cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
        plain.close()
        task.unlock()
        let config = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: Self.topology),
            file: "app.yaml")
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .critical
        let app = try StreamsApp(config: config, logger: logger)
        try app.start()
        let stopped = DispatchSemaphore(value: 0)
        nonisolated(unsafe) var error: (any Error)?
        Thread.detachNewThread {
            error = app.join()
            stopped.signal()
        }
        guard stopped.wait(timeout: .now() + 90) == .success else {
            app.requestStop()
            stopped.wait()
            Issue.record("the worker did not stop within 90 s on the plain-layout store")
            return
        }
        let message = error.map { "\($0)" } ?? "no error"
        #expect(
            message.contains(
                "store at \(task.storePath("counts")) keeps values without their timestamps (value.serde 'i64')"),
            "\(message)")
        #expect(message.contains("reset the application (`eddy app reset app.yaml`)"), "\(message)")
    }

    // MARK: - Private

    /// `events` → typed reduce (Enrich.sum of `amount`) into `totals`; `users` → a table in
    /// `users-store`; their inner join (JSON merge) → `joined`.
    private static func joinTopology(_ applicationId: String) throws -> Topology {
        func node(_ name: String, _ kind: Topology.Kind, _ parents: [String]) -> Topology.DeclaredNode {
            .init(.init(name: name, kind: kind, parents: parents), at: .init("test"))
        }
        func store(_ name: String) -> StoreDeclaration {
            StoreDeclaration(
                name: name, kind: .keyValue, keySerde: "string", valueSerde: "json", changelog: true, retentionMs: 0,
                windowSizeMs: 0)
        }
        let reduce = AggregateSpec(
            operation: .reduce, store: "totals", function: FunctionCall(plugin: "Enrich", function: "sum", fields: []),
            field: "amount", initial: nil)
        return try Topology.build(
            applicationId: applicationId,
            nodes: [
                node("events", .source(.init(topics: ["events"], keySerde: "string", valueSerde: "json")), []),
                node("totals", .aggregate(.init(fold: .typed(reduce), store: store("totals"))), ["events"]),
                node(
                    "users",
                    .tableSource(
                        .init(topics: ["users"], keySerde: "string", valueSerde: "json"), store("users-store")),
                    []),
                node(
                    "joined",
                    .join(
                        .init(
                            shape: .tableTable(left: "totals", right: "users-store"), type: .inner, joiner: .jsonMerge)),
                    ["totals", "users"]),
                node("out", .sink(.init(topic: "joined", keySerde: "string", valueSerde: "json")), ["joined"]),
            ])
    }
}
