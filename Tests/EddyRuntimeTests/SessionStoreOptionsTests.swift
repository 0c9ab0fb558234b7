import EddySDK
import EddyTestSupport
import Foundation
import Testing

@testable import EddyRuntime

/// Session stores in the application file and across reloads: their layout and retention,
/// their changelog topic configs, the refusal of a non-positive retention, and the reload
/// check that keeps a session store's retention.
@Suite struct SessionStoreOptionsTests {
    static func config(stores: String = "", pluginsDir: String = productsDirectory, processor: String = "session-count")
        throws -> AppConfig
    {
        try AppConfig.parse(
            yaml: """
                application.id: shop
                bootstrap.servers: localhost:9092
                plugins.dir: \(pluginsDir)
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: sessions, plugin: WordCount, processor: \(processor), inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [sessions]}]
                \(stores)
                """,
            file: "app.yaml")
    }

    @Test func retentionComesFromTheDeclarationOrRetentionMsAndTheSegmentsFromTheDeclarationOnly() throws {
        for (stores, retention) in [
            ("", Int64(300_000)), ("  stores: [{name: session-counts, retention.ms: 600000}]", 600_000),
        ] {
            let config = try Self.config(stores: stores)
            let plugins = try PluginSet.load(for: config)
            let topology = try Topology.build(config, plugins: plugins)
            let layout = StoreLayout.stores(of: topology.subTopologies[0], config: config, plugins: plugins)
            #expect(
                layout == [
                    StoreLayout.Store(
                        name: "session-counts", kind: .session(retentionMs: retention, segmentIntervalMs: 150_000),
                        logged: true, persistent: true, keySerde: "string", valueSerde: "i64")
                ])
            #expect(
                layout[0].changelogConfigs == [
                    "cleanup.policy": "compact,delete", "retention.ms": String(retention + 86_400_000),
                ])
        }
    }

    @Test func aNonPositiveRetentionIsRefusedAtStartNamingTheKeyThatFixesIt() throws {
        let dir = TemporaryDirectory()
        try WindowStoreOptionsTests.buildWordCount(
            declaring: ".kind = EDDY_STORE_SESSION, .retention_ms = 0", into: dir.path + "/libWordCount.so")
        let config = try Self.config(pluginsDir: dir.path, processor: "windowed-count")
        let error = #expect(throws: (any Error).self) { try StreamsApp(config: config) }
        #expect(
            error.map { "\($0)" } == """
                app.yaml: topology.stores[].retention.ms: node 'sessions' (plugin WordCount) declares session store 'window-counts' with retention 0 ms, which must be positive — give it one with {name: window-counts, retention.ms: N} under topology.stores, or fix the plugin's store declaration
                """)
        // The app file's retention.ms is enough.
        _ = try StreamsApp(
            config: try Self.config(
                stores: "  stores: [{name: window-counts, retention.ms: 60000}]", pluginsDir: dir.path,
                processor: "windowed-count"))
    }

    @Test func aReloadKeepsASessionStoresRetention() {
        let declared = StoreDeclaration.session("session-counts", key: .string, value: .int64, retention: 300_000)
        let shorter = StoreDeclaration.session("session-counts", key: .string, value: .int64, retention: 60_000)
        #expect(PluginSet.describe(declared) == "session-counts (session, sessions kept 300000 ms, string -> i64)")
        #expect(PluginSet.declaresAlike(declared, declared))
        #expect(!PluginSet.declaresAlike(declared, shorter))
    }
}
