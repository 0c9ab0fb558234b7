import EddyEngine
import EddyRuntime
import Testing

/// `plugins: {<Name>: {isolation: …}}` and the `plugin.*` keys: read, defaulted, and every
/// mistake named with its key and its fix.
@Suite struct PluginIsolationConfigTests {
    static let wordCount = """
        topology:
          sources: [{name: in, topics: [a]}]
          processors: [{name: p, plugin: WordCount, processor: split, inputs: [in]}]
          sinks: [{name: out, topic: b, inputs: [p]}]
        """

    static let functionCall = """
        topology:
          sources: [{name: in, topics: [a], value.serde: json}]
          processors: [{name: large, type: filter, function: Enrich.is_large, fields: [amount], inputs: [in]}]
          sinks: [{name: out, topic: b, inputs: [large], value.serde: json}]
        """

    func error(_ yaml: String) -> String? {
        do {
            var config = try AppConfig.parse(yaml: AppConfigTests.header + yaml, file: "app.yaml")
            // The test runner is no `eddy`: isolated plugins load through the built one.
            config.pluginIsolation.hostExecutable = productsDirectory + "/eddy"
            _ = try PluginSet.load(for: config)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsAndGivenValues() throws {
        let plain = try AppConfig.parse(yaml: AppConfigTests.header + Self.wordCount, file: "app.yaml").pluginIsolation
        #expect(plain == PluginIsolationConfig())
        #expect(plain.isolation(of: "WordCount") == .inProcess)
        #expect((plain.timeoutMs, plain.maxRestarts, plain.restartWindowMs) == (30_000, 5, 300_000))
        let given = try AppConfig.parse(
            yaml: AppConfigTests.header + """
                plugins:
                  WordCount: {isolation: process}
                  Enrich: {isolation: in_process}
                plugin.timeout.ms: 500
                plugin.max.restarts: 2
                plugin.restart.window.ms: 60000
                """ + "\n" + Self.wordCount, file: "app.yaml"
        ).pluginIsolation
        #expect(given.isolated == ["WordCount"])
        #expect((given.timeoutMs, given.maxRestarts, given.restartWindowMs) == (500, 2, 60_000))
    }

    @Test func aBadIsolationNamesTheKeyAndTheChoices() {
        #expect(
            error("plugins:\n  WordCount: {isolation: processes}\n" + Self.wordCount) == """
                app.yaml:5: plugins.WordCount.isolation: 'processes' is not one of in_process, process
                """)
        #expect(
            error("plugins:\n  WordCount: {isolaton: process}\n" + Self.wordCount)?.hasPrefix(
                "app.yaml:5: plugins.WordCount.isolaton: unknown key — did you mean 'isolation'?") == true)
        #expect(
            error("plugins:\n  WordCount: process\n" + Self.wordCount) == """
                app.yaml:5: plugins.WordCount: expected a mapping of key: value
                """)
    }

    @Test func anIsolatedPluginTheTopologyDoesNotRunIsNamed() {
        #expect(
            error("plugins:\n  WordCont: {isolation: process}\n" + Self.wordCount) == """
                app.yaml: plugins.WordCont: the topology runs no processor of a plugin 'WordCont' (its processor nodes use: WordCount) — fix the name or remove the entry
                """)
    }

    @Test func aStoreSharedWithAnIsolatedProcessorIsRefused() {
        #expect(
            error(
                """
                plugins:
                  WordCount: {isolation: process}
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors:
                    - {name: c1, plugin: WordCount, processor: count, inputs: [in]}
                    - {name: c2, plugin: WordCount, processor: count, inputs: [in]}
                  sinks: [{name: out, topic: b, inputs: [c1, c2]}]
                """) == """
                    app.yaml:10: topology.processors[1].processor: nodes 'c1' and 'c2' both use store 'key-counts', and one runs an isolated plugin — an isolated processor keeps what it read of its stores, so it must be their only user; give each node a processor with a store of its own, or run the plugin in_process
                    """)
    }

    /// The same rule for a topology that is not the application file's (a plugin's exported
    /// one, or one made in code): two processor nodes of the isolated WordCount share `key-counts`.
    @Test func aStoreSharedWithAnIsolatedProcessorOfATopologyInCodeIsRefused() throws {
        var config = try AppConfig.parse(
            yaml: AppConfigTests.header + "plugins:\n  WordCount: {isolation: process}\n" + Self.wordCount,
            file: "app.yaml")
        config.pluginIsolation.hostExecutable = productsDirectory + "/eddy"
        func node(_ name: String, _ kind: Topology.Kind, _ parents: [String]) -> Topology.DeclaredNode {
            .init(.init(name: name, kind: kind, parents: parents), at: .init("test"))
        }
        let count: Topology.Kind = .processor(plugin: "WordCount", processor: "count", config: [:])
        let topology = try Topology.build(
            applicationId: "shop",
            nodes: [
                node("in", .source(.init(topics: ["a"], keySerde: "string", valueSerde: "string")), []),
                node("c1", count, ["in"]), node("c2", count, ["in"]),
                node("out", .sink(.init(topic: "b", keySerde: "string", valueSerde: "bytes")), ["c1", "c2"]),
            ])
        #expect {
            _ = try StreamsApp(config: config, topology: topology)
        } throws: { error in
            "\(error)"
                == "app.yaml: topology: nodes 'c1' and 'c2' both use store 'key-counts', and one runs a processor of an isolated plugin — an isolated processor keeps what it read of its stores, so it must be their only user; give each node a processor with a store of its own, or run the plugin in_process"
        }
    }

    @Test func typedFunctionsOfAnIsolatedPluginAreAccepted() {
        #expect(error("plugins:\n  Enrich: {isolation: process}\n" + Self.functionCall) == nil)
    }

    @Test func streamFunctionsAndTopologiesOfAnIsolatedPluginAreAccepted() {
        #expect(
            error(
                """
                plugins:
                  Enrich: {isolation: process}
                topology:
                  sources: [{name: in, topics: [a], value.serde: json, timestamp.extractor: Enrich.purchase-time}]
                  processors: [{name: large, type: filter, function: Enrich.is_large, fields: [amount], inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [large], value.serde: json}]
                """) == nil)
        #expect(error("plugins:\n  WordCount: {isolation: process}\ntopology: {plugin: WordCount}\n") == nil)
    }
}
