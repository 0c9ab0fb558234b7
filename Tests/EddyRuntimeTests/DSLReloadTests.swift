import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Hot reload of a plugin whose exported topology the application runs: a build of the same
/// shape swaps at a commit boundary with no rebalance; a build of another shape is refused,
/// saying what changed, and the running one stays.
@Suite struct DSLReloadTests {
    /// A worker running `plugin`'s topology from a private plugins directory.
    final class Worker {
        let cluster: Cluster
        let dir = TemporaryDirectory()
        let plugins: PluginsDirectory
        let app: StreamsApp

        init(plugin: String, topics: [String]) throws {
            cluster = try Cluster()
            for topic in topics { try cluster.createTopic(topic, partitions: 3) }
            plugins = try PluginsDirectory(in: dir, installing: ["lib\(plugin).so"])
            let yaml = appYAML(
                id: uniqueName("dslreload"), cluster: cluster, threads: 2, stateDir: dir.path,
                extra: "plugins.watch: false\ncommit.interval.ms: 100", topology: "plugin: \(plugin)"
            ).using(plugins)
            var logger = Logger(label: "eddy.test")
            logger.logLevel = .warning
            app = try StreamsApp(config: try AppConfig.parse(yaml: yaml, file: "app.yaml"), logger: logger)
            try app.start()
        }

        func stop() {
            app.requestStop()
            if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
        }
    }

    @Test func aBuildOfTheSameShapeSwapsWithoutRebalanceAndKeepsTheState() throws {
        let worker = try Worker(
            plugin: "Fraud", topics: ["payments", "fraud-alerts", "spend-by-user", "payments-per-country"])
        defer { worker.stop() }
        let records = FraudCase.records
        try worker.cluster.produce("payments", Array(records[..<3])) { FraudCase.partition(of: $0) }
        _ = try worker.cluster.read("spend-by-user", count: 3)
        try waitUntil("both threads own tasks") { !worker.app.progress().tasksPerThread.contains(0) }
        let before = worker.app.progress()

        try worker.plugins.install("libFraudV2.so", as: "libFraud.so")
        let report = try #require(try worker.app.reload("Fraud"))
        #expect(report.from.description.hasPrefix("fraud 1.0.0+") && report.to.description.hasPrefix("fraud 2.0.0+"))
        try worker.cluster.produce("payments", Array(records[3...])) { FraudCase.partition(of: $0 + 3) }
        let alerts = try worker.cluster.read("fraud-alerts", count: 3)
        let spend = try worker.cluster.read("spend-by-user", count: 6)
        let after = worker.app.progress()

        // p2 and p3 came before the swap, p7 after: the new build's alert says so.
        #expect(
            alerts.map(FraudCase.render).sorted() == [
                #"p2 {"amount":1500,"id":"p2","reason":"review: amount 1500.0 is at least 1000.0","user":"bob"}"#,
                #"p3 {"amount":60,"id":"p3","reason":"review: country BR is watched","user":"ann"}"#,
                #"p7 {"amount":5000,"id":"p7","reason":"v2 block: amount 5000.0 is at least 1000.0, country JP is watched","user":"cy"}"#,
            ])
        // The spend of each user went on from what the first build stored.
        #expect(
            FraudCase.perKey(spend)["ann"] == [
                #"{"payments":1,"total":40}"#, #"{"payments":2,"total":100}"#, #"{"payments":3,"total":200}"#,
            ])
        #expect(after.rebalances == before.rebalances)
        #expect(after.restored == before.restored)
    }

    @Test func aBuildOfAnotherShapeIsRefusedAndTheRunningOneStays() throws {
        let worker = try Worker(plugin: "WordCount", topics: ["text-input", "word-counts"])
        defer { worker.stop() }
        let input = WordCountCase(lines: 200, seed: 5)
        try worker.cluster.produce("text-input", lines: Array(input.lines[..<100]), partitions: 3)
        _ = try worker.cluster.read("word-counts", count: WordCountCase(lines: Array(input.lines[..<100])).outputCount)
        let running = worker.app.pluginStatus()[0].current

        try worker.plugins.install("libWordCountV2.so", as: "libWordCount.so")
        let error = #expect(throws: ReloadError.self) { try worker.app.reload("WordCount") }
        #expect(
            error?.reason
                == "the new build's topology has another shape: it declares a new store line-counts (keyValue, string -> i64) at node 'count-lines' — a topology keeps its nodes, stores, topics and serdes across a reload; restart the application with the new build"
        )
        #expect(worker.app.pluginStatus()[0].current == running)
        #expect(worker.app.pluginStatus()[0].lastError == error?.reason)

        try worker.cluster.produce("text-input", lines: Array(input.lines[100...]), partitions: 3)
        let output = try worker.cluster.read("word-counts", count: input.outputCount)
        #expect(WordCountCase.render(output) == input.expected)
    }
}
