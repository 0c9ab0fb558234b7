import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `isolation: process` on real workers and a real broker: a plugin that segfaults, aborts,
/// traps (as a Swift `fatalError` does) and hangs loses no record and duplicates none under
/// exactly_once_v2 (its process is restarted and the tasks reprocess from the last commit),
/// the worker keeps running, and the restarts are counted and logged; WordCount's stores work
/// over the wire with the exact counts; a hot reload swaps an isolated build; and in-process,
/// the same crash takes the worker down with the plugin named.
@Suite struct PluginIsolationTests {
    @Test func crashesAndHangsOfAnIsolatedPluginAreRestartedExactlyOnce() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 2)
        try cluster.createTopic("output", partitions: 2)
        let plugins = try CrashPluginDirectory()
        let values = crashMarkedValues()
        try cluster.produce("input", values.map { (nil, Array($0.utf8)) }) { Int32($0 % 2) }
        let port = try freePort()
        let app = try plugins.app(
            id: uniqueName("isolated-crash"), cluster: cluster,
            extra: """
                plugins:
                  Crashy: {isolation: process}
                plugin.timeout.ms: 2000
                application.server: 127.0.0.1:\(port)
                """)
        let worker = try WorkerProcess(app: app, instance: "a", directory: plugins.directory)

        let output = try cluster.read("output", count: values.count, timeout: .seconds(120))
        #expect(output.map { String(decoding: $0.value ?? [], as: UTF8.self) }.sorted() == values.sorted())
        #expect(worker.process.isRunning)
        try waitForOneRestartPerCrash(port: port)
        let log = worker.log
        #expect(log.contains("was killed by signal 11 (SIGSEGV) during a run of"))
        #expect(log.contains("was killed by signal 6 (SIGABRT) during a run of"))
        #expect(log.contains("(\(Self.trapSignal)) during a run of"))
        #expect(log.contains("within plugin.timeout.ms (2000 ms); it was killed with SIGKILL"))
        #expect(log.contains("plugin Crashy: isolated plugin Crashy (process "))
        #expect(log.contains("(restart 4 of plugin.max.restarts 5 within 300000 ms)"))
        #expect(!log.contains("(restart 5 of"))
        #expect(try worker.stop() == 0)
    }

    @Test func underAtLeastOnceACrashGoesBackToTheLastCommitAndLosesNothing() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 1)
        try cluster.createTopic("output", partitions: 1)
        let plugins = try CrashPluginDirectory()
        var values = (0..<400).map { "v\($0)" }
        values[200] = "segv"
        try cluster.produce("input", values.map { (nil, Array($0.utf8)) })
        let app = try plugins.app(
            id: uniqueName("isolated-alo"), cluster: cluster, guarantee: "at_least_once",
            extra: "plugins:\n  Crashy: {isolation: process}\ncommit.interval.ms: 100")
        let worker = try WorkerProcess(app: app, instance: "a", directory: plugins.directory)
        let output = try cluster.read("output", until: "every input value", isolation: "read_uncommitted") {
            Set($0.map { String(decoding: $0.value ?? [], as: UTF8.self) }).count == values.count
        }
        // At least once: every value, each at least once; what was processed after the last
        // commit before the crash may come again.
        let seen = output.map { String(decoding: $0.value ?? [], as: UTF8.self) }
        #expect(Set(seen) == Set(values))
        #expect(seen.count >= values.count)
        #expect(worker.process.isRunning)
        #expect(worker.log.contains("was killed by signal 11 (SIGSEGV) during a run of"))
        #expect(worker.log.contains("(restart 1 of plugin.max.restarts 5 within 300000 ms)"))
        #expect(try worker.stop() == 0)
    }

    @Test func theSameCrashInProcessStopsTheWorkerNamingThePlugin() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 1)
        try cluster.createTopic("output", partitions: 1)
        let plugins = try CrashPluginDirectory()
        try cluster.produce("input", [(nil, Array("v0".utf8)), (nil, Array("segv".utf8))])
        let app = try plugins.app(id: uniqueName("in-process-crash"), cluster: cluster, extra: "")
        let worker = try WorkerProcess(app: app, instance: "a", directory: plugins.directory)
        #expect(try worker.exitStatus() != 0)
        #expect(worker.process.terminationReason == .uncaughtSignal && worker.process.terminationStatus == SIGSEGV)
        #expect(
            worker.log.contains(
                "eddy: SIGSEGV in plugin Crashy (processor relay, node relay) — the worker stops; run the plugin with `plugins: {Crashy: {isolation: process}}` to survive its crashes"
            ))
    }

    @Test func wordCountIsolatedCountsExactlyAsInProcess() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 3)
        try cluster.createTopic("word-counts", partitions: 3)
        let input = WordCountCase(lines: 1500, seed: 11)
        try cluster.produce("text-input", lines: input.lines, partitions: 3)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("isolated-wordcount"), cluster: cluster, threads: 2, stateDir: dir.path,
                extra: "plugins:\n  WordCount: {isolation: process}", topology: WordCountCase.topology))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        let output = try cluster.read("word-counts", count: input.outputCount)
        #expect(WordCountCase.render(output) == input.expected)
        #expect(try worker.stop() == 0)
    }

    @Test func hotReloadSwapsAnIsolatedBuildExactlyOnce() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 2)
        try cluster.createTopic("word-counts", partitions: 2)
        let dir = TemporaryDirectory()
        let plugins = try PluginsDirectory(in: dir, installing: ["libWordCount.so"])
        let input = WordCountCase(lines: 600, seed: 7)
        let yaml = appYAML(
            id: uniqueName("isolated-reload"), cluster: cluster, threads: 1, stateDir: dir.path,
            extra: "plugins.watch: false\nplugin.version.header: true\nplugins:\n  WordCount: {isolation: process}",
            topology: WordCountCase.topology
        ).using(plugins)
        let app = try startIsolatedApp(yaml: yaml)
        defer {  // a failed wait or read still stops the worker (joining again is a no-op)
            app.requestStop()
            _ = app.join()
        }
        try cluster.produce("text-input", lines: Array(input.lines[..<300]), partitions: 2)
        _ = try cluster.read("word-counts", count: WordCountCase(lines: Array(input.lines[..<300])).outputCount)
        let v1 = app.pluginStatus()[0].current

        try plugins.install("libWordCountV2.so", as: "libWordCount.so")
        try app.reload("WordCount")
        try waitUntil("the new build is swapped in") { app.reloadCount.load(ordering: .relaxed) >= 1 }
        let v2 = app.pluginStatus()[0].current
        try cluster.produce("text-input", lines: Array(input.lines[300...]), partitions: 2)
        let output = try cluster.read("word-counts", count: input.outputCount)
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }

        #expect(v1.hasPrefix("wordcount 1.0.0+") && v2.hasPrefix("wordcount 2.0.0+"))
        #expect(WordCountCase.render(output) == input.expected)
        let byVersion = Dictionary(grouping: output, by: ReloadingWorker.version)
        #expect(Set(byVersion.keys) == [v1, v2])
        #expect(byVersion[v2]!.count >= WordCountCase(lines: Array(input.lines[300...])).outputCount)
    }

    /// A thread that only calls an isolated build's DSL closures (no processor instance to
    /// close) ends that build's process when a hot reload moves it to the next build: after the
    /// reload exactly one plugin process runs for the worker's one stream thread, the new
    /// build's, and the outputs are the same as in-process (`DSLReloadTests`).
    @Test func hotReloadEndsTheOldBuildsProcessOfADSLTopology() throws {
        let cluster = try Cluster()
        for topic in ["payments", "fraud-alerts", "spend-by-user", "payments-per-country"] {
            try cluster.createTopic(topic, partitions: 3)
        }
        let dir = TemporaryDirectory()
        let plugins = try PluginsDirectory(in: dir, installing: ["libFraud.so"])
        let yaml = appYAML(
            id: uniqueName("isolated-dsl-reload"), cluster: cluster, threads: 1, stateDir: dir.path,
            extra: "plugins.watch: false\ncommit.interval.ms: 100\nplugins:\n  Fraud: {isolation: process}",
            topology: "plugin: Fraud"
        ).using(plugins)
        let app = try startIsolatedApp(yaml: yaml)
        defer {  // a failed wait or read still stops the worker (joining again is a no-op)
            app.requestStop()
            _ = app.join()
        }
        // This test's plugin processes: children of this process that map a file of its state dir.
        func pluginProcesses() -> Set<Int32> { Set(childPids(of: getpid()).filter { maps($0, dir.path) }) }
        let records = FraudCase.records
        try cluster.produce("payments", Array(records[..<3])) { FraudCase.partition(of: $0) }
        _ = try cluster.read("spend-by-user", count: 3)
        let before = pluginProcesses()

        try plugins.install("libFraudV2.so", as: "libFraud.so")
        _ = try app.reload("Fraud")
        try cluster.produce("payments", Array(records[3...])) { FraudCase.partition(of: $0 + 3) }
        let alerts = try cluster.read("fraud-alerts", count: 3)
        try waitUntil("only the new build's process runs", timeout: .seconds(10)) {
            let now = pluginProcesses()
            return now.count == 1 && now.isDisjoint(with: before)
        }
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }

        #expect(before.count == 1)
        #expect(
            alerts.map(FraudCase.render).sorted() == [
                #"p2 {"amount":1500,"id":"p2","reason":"review: amount 1500.0 is at least 1000.0","user":"bob"}"#,
                #"p3 {"amount":60,"id":"p3","reason":"review: country BR is watched","user":"ann"}"#,
                #"p7 {"amount":5000,"id":"p7","reason":"v2 block: amount 5000.0 is at least 1000.0, country JP is watched","user":"cy"}"#,
            ])
    }

    /// The signal a trap instruction raises (a Swift `fatalError`'s end): SIGILL on x86-64.
    #if arch(x86_64)
        static let trapSignal = "SIGILL"
    #else
        static let trapSignal = "SIGTRAP"
    #endif

    /// The value of `eddy_plugin_restarts_total{plugin="Crashy",reason=…}` in a scrape.
    static func restarts(_ text: String, reason: String) -> Int? {
        text.split(separator: "\n").first {
            $0.hasPrefix("eddy_plugin_restarts_total{") && $0.contains(#"plugin="Crashy""#)
                && $0.contains(#"reason="\#(reason)""#)
        }.flatMap { $0.split(separator: " ").last.flatMap { Double($0) }.map { Int($0) } }
    }
}
