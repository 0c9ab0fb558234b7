import EddyKafka
import EddyState
import EddyTestSupport
import Foundation
import Synchronization
import Testing

@testable import EddyRuntime

/// Global tables through a real worker, a real broker and RocksDB: the worker's global-store
/// thread reads every partition of the table's topic (3 or 1 partitions, the stream has 4)
/// into its global store before any stream thread processes, keeps reading as the topic
/// grows, and after a restart reads only the tail past its checkpoint.
@Suite struct GlobalTableTests {
    /// Shops (id → JSON with the region) keyed across 3 partitions, one deleted by a tombstone.
    private static let shops: [(key: String?, value: [UInt8]?)] = [
        ("s1", json(#"{"region":"north"}"#)), ("s2", json(#"{"region":"south"}"#)), ("s3", json(#"{"region":"east"}"#)),
        ("s4", json(#"{"region":"west"}"#)), ("s5", json(#"{"region":"centre"}"#)), ("s6", json(#"{"region":"gone"}"#)),
        ("s6", nil),
    ]

    /// Sales keyed by id across 4 partitions; each names its shop in a nested field.
    private static let sales: [(key: String?, value: [UInt8]?)] = (1...12).map { n in
        ("sale-\(n)", json(#"{"item":"i\#(n)","at":{"shop":"s\#((n - 1) % 7 + 1)"}}"#))
    }

    private static func appTopology(persistent: Bool = true) -> String {
        """
        sources:
          - {name: sales, topics: [sales], value.serde: json}
        tables:
          - {name: shops, topic: shops, value.serde: json, global: true}
        processors:
          - {name: with-region, type: join, inputs: [sales, shops], key.field: at.shop}
          - {name: with-any-region, type: join, join: left, inputs: [sales, shops], key.field: at.shop}
        sinks:
          - {name: joined, topic: sales-joined, inputs: [with-region], value.serde: json}
          - {name: all, topic: sales-all, inputs: [with-any-region], value.serde: json}
        stores:
          - {name: shops-store, persistent: \(persistent)}
        """
    }

    /// The JSON merge of sale `n` with its shop's region (nil: no shop).
    private static func merged(_ n: Int, _ region: String?) -> String {
        let right = region.map { #"{"region":"\#($0)"}"# } ?? "null"
        return #"sale-\#(n) {"left":{"item":"i\#(n)","at":{"shop":"s\#((n - 1) % 7 + 1)"}},"right":\#(right)}"#
    }

    private static let regions = [1: "north", 2: "south", 3: "east", 4: "west", 5: "centre"]

    @Test func appFileGlobalJoinSeesTheWholeTableBootstrappedBeforeTheFirstRecordThenItsUpdates() throws {
        let cluster = try Cluster()
        try cluster.createTopic("sales", partitions: 4)
        try cluster.createTopic("shops", partitions: 3)
        for topic in ["sales-joined", "sales-all"] { try cluster.createTopic(topic, partitions: 4) }
        // Table and stream records are all there before the worker starts: only a bootstrap
        // that completes before processing joins every sale with its shop.
        try cluster.produce("shops", Self.shops)
        // Not JSON, and no key: skipped and counted, the table has no entry for them.
        try cluster.produce("shops", [("s8", json("{broken")), (nil, json(#"{"region":"nowhere"}"#))])
        try cluster.produce("sales", Self.sales)
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("global-app"), cluster: cluster, stateDir: dir.path, extra: "commit.interval.ms: 50",
                topology: Self.appTopology()),
            file: "app.yaml")
        var joined: [KafkaConsumerRecord] = [], all: [KafkaConsumerRecord] = []
        try runWorker(config) { app in
            #expect(app.readiness().reason != "bootstrapping the global stores from their topics")
            #expect(app.global!.thread.skipped.load(ordering: .relaxed) == 2)
            #expect(try Self.value(app, "shops-store", "s8") == nil)
            _ = try cluster.read("sales-all", count: 12)
            // An update and a new shop after the start are seen by the records that follow.
            try cluster.produce(
                "shops", [("s1", json(#"{"region":"far north"}"#)), ("s7", json(#"{"region":"islands"}"#))])
            try waitUntil("the global store holds the update") {
                try Self.value(app, "shops-store", "s7") != nil
                    && Self.value(app, "shops-store", "s1") == #"{"region":"far north"}"#
            }
            try cluster.produce(
                "sales",
                [
                    ("sale-1", json(#"{"item":"i1","at":{"shop":"s1"}}"#)),
                    ("sale-7", json(#"{"item":"i7","at":{"shop":"s7"}}"#)),
                ])
            joined = try cluster.read("sales-joined", count: 12)
            all = try cluster.read("sales-all", count: 14)
        }
        let sales = 1...12
        let first = sales.map { Self.merged($0, Self.regions[($0 - 1) % 7 + 1]) }
        let later = [
            #"sale-1 {"left":{"item":"i1","at":{"shop":"s1"}},"right":{"region":"far north"}}"#,
            #"sale-7 {"left":{"item":"i7","at":{"shop":"s7"}},"right":{"region":"islands"}}"#,
        ]
        #expect(
            joined.map(render).sorted()
                == (sales.filter { Self.regions[($0 - 1) % 7 + 1] != nil }.map {
                    Self.merged($0, Self.regions[($0 - 1) % 7 + 1])
                } + later).sorted())
        #expect(all.map(render).sorted() == (first + later).sorted())
    }

    @Test func restartReadsOnlyTheTailPastTheCheckpointAndAMemoryStoreReadsEverything() throws {
        let cluster = try Cluster()
        try cluster.createTopic("sales", partitions: 4)
        try cluster.createTopic("shops", partitions: 3)
        for topic in ["sales-joined", "sales-all"] { try cluster.createTopic(topic, partitions: 4) }
        try cluster.produce("shops", Self.shops)
        let dir = TemporaryDirectory()
        let id = uniqueName("global-restart")
        func config(persistent: Bool) throws -> AppConfig {
            try AppConfig.parse(
                yaml: appYAML(
                    id: id, cluster: cluster, stateDir: dir.path + (persistent ? "/disk" : "/memory"),
                    extra: "commit.interval.ms: 50",
                    topology: Self.appTopology(persistent: persistent)),
                file: "app.yaml")
        }
        var applied: [Int] = []
        try runWorker(try config(persistent: true)) { app in
            applied.append(app.global!.thread.applied.load(ordering: .relaxed))
        }
        // While no worker runs: one update, one deletion.
        try cluster.produce("shops", [("s2", json(#"{"region":"deep south"}"#)), ("s3", nil)])
        var checkpointed = 0
        try runWorker(try config(persistent: true)) { app in
            applied.append(app.global!.thread.applied.load(ordering: .relaxed))
            try cluster.produce(
                "sales", [2, 3, 4].map { n in ("sale-\(n)", json(#"{"item":"i\#(n)","at":{"shop":"s\#(n)"}}"#)) })
            _ = try cluster.read("sales-all", count: 3)
            checkpointed = app.global!.stores.store(named: "shops-store")!.checkpoint.values.reduce(0) { $0 + Int($1) }
        }
        try runWorker(try config(persistent: false)) { app in
            applied.append(app.global!.thread.applied.load(ordering: .relaxed))
        }
        // The first start reads all 7 records, the restart the 2 past its checkpoint (which
        // covers all 9 offsets), a store in memory all 9 again.
        #expect(applied == [7, 2, 9])
        #expect(checkpointed == 9)
        // What `eddy store dump` reads of the stopped worker: the global store as task `global`.
        let inspector = try EddyState.StateInspector(root: dir.path + "/disk", applicationId: id)
        let found = try inspector.stores().filter { $0.name == "shops-store" }
        #expect(found.map(\.taskId) == ["global"])
        let inspected = try inspector.open(found[0])
        var entries: [String] = []
        try inspected.forEach { key, value in
            entries.append("\(String(decoding: key, as: UTF8.self)) \(String(decoding: value, as: UTF8.self))")
        }
        inspected.close()
        #expect(
            entries == [
                #"s1 {"region":"north"}"#, #"s2 {"region":"deep south"}"#, #"s4 {"region":"west"}"#,
                #"s5 {"region":"centre"}"#,
            ])
        let all = try cluster.read("sales-all", count: 3)
        #expect(
            all.map(render).sorted() == [
                #"sale-2 {"left":{"item":"i2","at":{"shop":"s2"}},"right":{"region":"deep south"}}"#,
                #"sale-3 {"left":{"item":"i3","at":{"shop":"s3"}},"right":null}"#,
                #"sale-4 {"left":{"item":"i4","at":{"shop":"s4"}},"right":{"region":"west"}}"#,
            ])
    }

    @Test func pluginDSLGlobalJoinsRunInTheWorkerWithASinglePartitionTable() throws {
        let cluster = try Cluster()
        try cluster.createTopic("sales", partitions: 4)
        try cluster.createTopic("shops", partitions: 1)
        for topic in ["sales-by-region", "sales-any-region"] { try cluster.createTopic(topic, partitions: 4) }
        try cluster.produce("shops", [("s1", text("north")), ("s2", text("south")), ("s3", text("east")), ("s3", nil)])
        try cluster.produce(
            "sales", [("a", text("s1:tea")), ("b", text("s2:jam")), ("c", text("s3:cake")), ("d", text("s9:pie"))])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("global-dsl"), cluster: cluster, stateDir: dir.path, extra: "commit.interval.ms: 50",
                topology: "plugin: Shops"),
            file: "app.yaml")
        var inner: [KafkaConsumerRecord] = [], left: [KafkaConsumerRecord] = []
        try runWorker(config) { app in
            _ = try cluster.read("sales-any-region", count: 4)
            try cluster.produce("shops", [("s3", text("west"))])
            try waitUntil("the global store holds the update") { try Self.value(app, "shops-store", "s3") == "west" }
            try cluster.produce("sales", [("e", text("s3:bun"))])
            inner = try cluster.read("sales-by-region", count: 3)
            left = try cluster.read("sales-any-region", count: 5)
        }
        #expect(inner.map(render).sorted() == ["a tea in north", "b jam in south", "e bun in west"])
        #expect(
            left.map(render).sorted() == [
                "a tea in north", "b jam in south", "c cake in no known region", "d pie in no known region",
                "e bun in west",
            ])
    }

    @Test func appFileGlobalJoinWithAPluginKeySelectorAndAPluginJoiner() throws {
        let cluster = try Cluster()
        try cluster.createTopic("sales", partitions: 4)
        try cluster.createTopic("shops", partitions: 3)
        try cluster.createTopic("described", partitions: 4)
        try cluster.produce("shops", [("s1", json(#"{"name":"Corner"}"#)), ("s2", json(#"{"name":"Market"}"#))])
        try cluster.produce(
            "sales",
            [
                ("a", json(#"{"shop":"s1","item":"tea"}"#)), ("b", json(#"{"shop":"s2","item":"jam"}"#)),
                ("c", json(#"{"shop":"s3","item":"pie"}"#)),
            ])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("global-joiner"), cluster: cluster, stateDir: dir.path, extra: "commit.interval.ms: 50",
                topology: """
                    sources:
                      - {name: sales, topics: [sales], value.serde: json}
                    tables:
                      - {name: shops, topic: shops, value.serde: json, global: true}
                    processors:
                      - {name: described, type: join, join: left, inputs: [sales, shops], key.function: Shops.shop-of, joiner: Shops.describe-sale}
                    sinks:
                      - {name: out, topic: described, inputs: [described]}
                    """),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { _ in output = try cluster.read("described", count: 3) }
        #expect(output.map(render).sorted() == ["a tea at Corner", "b jam at Market", "c pie at an unknown shop"])
    }

    @Test func aMissingGlobalTopicKeepsTheWorkerFromStartingAndSaysWhichAndHow() throws {
        let cluster = try Cluster()
        try cluster.createTopic("sales", partitions: 4)
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("global-missing"), cluster: cluster, stateDir: dir.path, topology: Self.appTopology()),
            file: "app.yaml")
        let app = try StreamsApp(config: config)
        do {
            try app.start()
            Issue.record("the worker started without its global table's topic")
        } catch {
            #expect(
                "\(error)"
                    == "app.yaml: topology.tables: global table topic 'shops' (store shops-store) does not exist — create it first, e.g. `eddy topic create shops --partitions 1`"
            )
        }
        // Checked before anything was made: no internal topic (the dead-letter topic) exists.
        #expect(
            try KafkaAdmin(configuration: cluster.configuration).metadata().topics.map(\.name).filter {
                $0.hasPrefix("global-missing")
            } == [])
    }

    /// While `start()` waits for the bootstrap of a large global table, readiness says so;
    /// once it returns the table is whole.
    @Test func readinessReportsTheBootstrapWhileStartWaitsForIt() throws {
        let cluster = try Cluster()
        try cluster.createTopic("sales", partitions: 4)
        try cluster.createTopic("shops", partitions: 3)
        for topic in ["sales-joined", "sales-all"] { try cluster.createTopic(topic, partitions: 4) }
        let count = 200_000
        try cluster.produce("shops", (0..<count).map { ("shop-\($0)", json(#"{"region":"r\#($0 % 10)"}"#)) })
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("global-ready"), cluster: cluster, stateDir: dir.path, topology: Self.appTopology()),
            file: "app.yaml")
        let app = try StreamsApp(config: config)
        let started = DispatchSemaphore(value: 0)
        let failure = Mutex<(any Error)?>(nil)
        Thread {
            do { try app.start() } catch { failure.withLock { $0 = error } }
            started.signal()
        }.start()
        try waitUntil("readiness reports the bootstrap", timeout: .seconds(60)) {
            app.readiness() == .failing("bootstrapping the global stores from their topics")
        }
        #expect(started.wait(timeout: .now() + 120) == .success)
        #expect(failure.withLock { $0 } == nil)
        defer {
            app.requestStop()
            _ = app.join()
        }
        #expect(app.readiness().reason != "bootstrapping the global stores from their topics")
        #expect(app.global!.thread.applied.load(ordering: .relaxed) == count)
    }

    /// Only the global-store thread writes a global store: a processor declaring a store of the
    /// same name (which would let it write there) keeps the worker from starting, and so do
    /// options other than `persistent:` for a global store.
    @Test func aGlobalStoreCannotBeAProcessorsStoreNorChangelogged() throws {
        func error(_ tables: String, _ stores: String = "") -> String? {
            let yaml =
                AppConfigTests.header + """
                    topology:
                      sources: [{name: lines, topics: [lines]}]
                      tables: [\(tables)]
                      processors: [{name: count, plugin: WordCount, processor: count, inputs: [lines]}]
                      sinks: [{name: out, topic: out, inputs: [count], value.serde: i64}]
                    \(stores)
                    """
            do {
                _ = try StreamsApp(config: try AppConfig.parse(yaml: yaml, file: "app.yaml"))
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(
            error("{name: words, topic: words, global: true, store: key-counts}")
                == "app.yaml: topology.tables: store 'key-counts' is the store of global table words and is also declared by 'count' — give one of them another name"
        )
        #expect(
            error("{name: words, topic: words, global: true}", "  stores: [{name: words-store, logged: true}]")
                == "app.yaml:9: topology.stores[0]: store 'words-store' is global table words's, read from its topic and never changelogged; only `persistent:` applies — remove the other options"
        )
        #expect(
            error("{name: words, topic: words, global: true}", "  stores: [{name: words-store, persistent: false}]")
                == nil)
    }

    // MARK: - Helpers

    private static func json(_ text: String) -> [UInt8] { Array(text.utf8) }
    private func json(_ text: String) -> [UInt8] { Self.json(text) }
    private func text(_ value: String) -> [UInt8] { Array(value.utf8) }

    private func render(_ record: KafkaConsumerRecord) -> String {
        "\(String(decoding: record.key ?? [], as: UTF8.self)) \(String(decoding: record.value ?? [], as: UTF8.self))"
    }

    /// The worker's global store `store`'s value of `key`, as text.
    private static func value(_ app: StreamsApp, _ store: String, _ key: String) throws -> String? {
        try Array(key.utf8).withUnsafeBytes { k in
            try app.global!.stores.store(named: store)!.get(k) { $0.map { String(decoding: $0, as: UTF8.self) } }
        }
    }
}
