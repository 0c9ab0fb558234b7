import EddyTestSupport
import Foundation
import Testing

@testable import EddyRuntime

/// Window stores in the application file and across reloads: the `stores:` options that
/// apply to them, the errors for options that do not fit, their changelog topic configs, and
/// hot reloads that would change their declaration.
@Suite struct WindowStoreOptionsTests {
    static let header = """
        application.id: shop
        bootstrap.servers: localhost:9092
        plugins.dir: \(productsDirectory)
        topology:
          sources: [{name: in, topics: [a]}]
          processors:
            - {name: windows, plugin: WordCount, processor: windowed-count, inputs: [in]}
            - {name: totals, plugin: WordCount, processor: count, inputs: [in]}
          sinks: [{name: out, topic: b, inputs: [windows, totals]}]

        """

    /// The error `StreamsApp` gives for `stores` (the `stores:` section's entries), which
    /// it checks against the plugins before it contacts Kafka.
    func error(_ stores: String) -> String? {
        do {
            let config = try AppConfig.parse(yaml: Self.header + "  stores:\n" + stores, file: "app.yaml")
            _ = try StreamsApp(config: config)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func optionsApplyToWindowStoresAndRetentionMsKeepsTheSegmentLayout() throws {
        let config = try AppConfig.parse(
            yaml: Self.header
                + "  stores:\n    - {name: window-counts, retention.ms: 30000, persistent: false}\n    - {name: key-counts, logged: false}\n",
            file: "app.yaml")
        let plugins = try PluginSet.load(for: config)
        let topology = try Topology.build(config, plugins: plugins)
        let stores = StoreLayout.stores(of: topology.subTopologies[0], config: config, plugins: plugins)
        #expect(
            stores == [
                StoreLayout.Store(
                    name: "window-counts",
                    kind: .window(sizeMs: 10_000, retentionMs: 30_000, segmentIntervalMs: 60_000),
                    logged: true, persistent: false, keySerde: "string", valueSerde: "i64"),
                StoreLayout.Store(
                    name: "key-counts", logged: false, persistent: true, keySerde: "bytes", valueSerde: "i64"),
            ])
    }

    @Test func windowChangelogsAreCompactedAndDeletedAfterTheRetentionPlusADay() {
        let window = StoreLayout.Store(
            name: "w", kind: .window(sizeMs: 10_000, retentionMs: 120_000, segmentIntervalMs: 60_000),
            logged: true, persistent: true, keySerde: "bytes", valueSerde: "i64")
        #expect(window.changelogConfigs == ["cleanup.policy": "compact,delete", "retention.ms": "86520000"])
        let keyValue = StoreLayout.Store(
            name: "k", logged: true, persistent: true, keySerde: "bytes", valueSerde: "i64")
        #expect(keyValue.changelogConfigs == ["cleanup.policy": "compact"])
    }

    @Test func retentionMsThatDoesNotFitTheStoreIsRefusedWithTheFix() {
        #expect(
            error("    - {name: key-counts, retention.ms: 60000}\n") == """
                app.yaml:11: topology.stores[0].retention.ms: store 'key-counts' is a key-value store; retention.ms applies to window and session stores only — remove it
                """)
        #expect(
            error("    - {name: window-counts, retention.ms: 9999}\n") == """
                app.yaml:11: topology.stores[0].retention.ms: 9999 ms is shorter than the windows of store 'window-counts' (10000 ms), which would expire before they end — use at least 10000
                """)
        #expect(
            error("    - {name: window-counts, retention.ms: 0}\n") == """
                app.yaml:11: topology.stores[0].retention.ms: '0' is not a whole number in 1...315360000000
                """)
        #expect(
            error("    - {name: window-counts, retention.ms: 1h}\n") == """
                app.yaml:11: topology.stores[0].retention.ms: '1h' is not a whole number in 1...315360000000
                """)
        #expect(
            error("    - {name: window-counts, retention: 60000}\n") == """
                app.yaml:11: topology.stores[0].retention: unknown key — did you mean 'retention.ms'? (known keys here: name, persistent, logged, retention.ms)
                """)
        #expect(error("    - {name: window-counts, retention.ms: 10000, persistent: false}\n") == nil)
    }

    /// A C build of the `wordcount` plugin whose `windowed-count` declares `window-counts`
    /// as `declaration` (C designated initializers for `eddy_store_decl`).
    static func buildWordCount(declaring declaration: String, into path: String) throws {
        let source = path + ".c"
        defer { try? FileManager.default.removeItem(atPath: source) }
        try """
        #include <eddy/eddy.h>
        static eddy_status init(const eddy_processor *p, const eddy_host_api *host, eddy_context *ctx, void **out) {
            (void)p; (void)host; (void)ctx; *out = NULL; return EDDY_OK;
        }
        static eddy_status process(void *i, const eddy_record *r) { (void)i; (void)r; return EDDY_OK; }
        static void close_instance(void *i) { (void)i; }
        static const eddy_store_decl counts = {.struct_size = sizeof(eddy_store_decl), .name = "window-counts",
            .key_serde = "string", .value_serde = "i64", .changelog = true, \(declaration)};
        static const eddy_store_decl *const stores[] = {&counts};
        static const eddy_processor windowed = {.struct_size = sizeof(eddy_processor), .name = "windowed-count",
            .stores = stores, .store_count = 1, .init = init, .process = process, .close = close_instance};
        static const eddy_processor *const processors[] = {&windowed};
        static const eddy_plugin descriptor = {.struct_size = sizeof(eddy_plugin),
            .abi_major = EDDY_ABI_MAJOR, .abi_minor = EDDY_ABI_MINOR, .toolchain = EDDY_TOOLCHAIN_NONE,
            .name = "wordcount", .version = "9.9.9", .processors = processors, .processor_count = 1};
        const eddy_plugin *eddy_plugin_v1(void) { return &descriptor; }
        """.write(toFile: source, atomically: true, encoding: .utf8)
        try CPlugin.compile(source, to: path)
    }

    @Test func aBuildThatChangesTheWindowStoreIsRefusedWithTheReason() throws {
        // Plugins load only from plugins.dir: the built plugin and the new builds sit in a private one.
        let dir = TemporaryDirectory()
        try FileManager.default.copyItem(
            atPath: (productsDirectory as NSString).appendingPathComponent("libWordCount.so"),
            toPath: dir.path + "/libWordCount.so")
        let config = try AppConfig.parse(
            yaml: """
                application.id: shop
                bootstrap.servers: localhost:9092
                plugins.dir: \(dir.path)
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: windows, plugin: WordCount, processor: windowed-count, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [windows]}]
                """,
            file: "app.yaml")
        let plugins = try PluginSet.load(for: config)
        let topology = try Topology.build(config, plugins: plugins)
        let running = "window-counts (window, 10000 ms windows kept 120000 ms, string -> i64)"
        let cases: [(String, String)] = [
            (
                ".kind = EDDY_STORE_WINDOW, .window_size_ms = 5000, .retention_ms = 120000",
                "window-counts (window, 5000 ms windows kept 120000 ms, string -> i64)"
            ),
            (
                ".kind = EDDY_STORE_WINDOW, .window_size_ms = 10000, .retention_ms = 60000",
                "window-counts (window, 10000 ms windows kept 60000 ms, string -> i64)"
            ),
            (".kind = EDDY_STORE_KEY_VALUE", "window-counts (keyValue, string -> i64)"),
        ]
        for (index, (declaration, now)) in cases.enumerated() {
            let file = dir.path + "/build-\(index).so"
            try Self.buildWordCount(declaring: declaration, into: file)
            let error = #expect(throws: ReloadError.self) {
                _ = try plugins.candidate("WordCount", file: file, config: config, topology: topology)
            }
            #expect(
                error?.reason
                    == "processor 'windowed-count' declares store \(running) in the running build but \(now) in the new one — stores must keep their name, kind and serdes, and window stores their window size and retention"
            )
        }
        // The same declaration as the running build passes the checks.
        let same = dir.path + "/build-same.so"
        try Self.buildWordCount(
            declaring: ".kind = EDDY_STORE_WINDOW, .window_size_ms = 10000, .retention_ms = 120000", into: same)
        #expect(
            try plugins.candidate("WordCount", file: same, config: config, topology: topology)?.plugin.version
                == "9.9.9")
    }
}
