import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Typed functions of a plugin with `isolation: process`: an application file's `filter`,
/// `map_values`, `branch` and `reduce` call them in the plugin's process (the worker never
/// maps the plugin) with the same records as in-process, and a typed function that
/// segfaults, aborts, traps or hangs on a record loses and duplicates nothing under
/// exactly_once_v2 while the worker keeps running.
@Suite struct IsolatedTypedFunctionTests {
    static let topology = """
        sources:
          - {name: payments, topics: [payments], value.serde: json}
        processors:
          - {name: large, type: filter, function: Enrich.is_large, fields: [amount], inputs: [payments]}
          - {name: cents, type: map_values, function: Enrich.amount_cents, fields: [amount], output.field: amount_cents, inputs: [large]}
          - {name: split, type: branch, inputs: [payments], branches: [{name: big, function: Enrich.is_large, fields: [amount]}, {name: rest}]}
          - {name: total, type: reduce, function: Enrich.sum, field: amount, inputs: [payments]}
        sinks:
          - {name: out, topic: large-payments, inputs: [cents], value.serde: json}
          - {name: small, topic: small-payments, inputs: [rest], value.serde: json}
          - {name: totals, topic: totals, inputs: [total]}
        """

    @Test func filterMapBranchAndReduceRunInThePluginProcessWithExactRecords() throws {
        let cluster = try Cluster()
        for topic in ["payments", "large-payments", "small-payments", "totals"] {
            try cluster.createTopic(topic, partitions: 2)
        }
        let payments = (0..<40).map { i in (key: "u\(i % 5)", value: #"{"amount":\#(Double(i) * 0.75)}"#) }
        try cluster.produce("payments", payments.map { ($0.key, Array($0.value.utf8)) })
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("isolated-functions"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "plugins:\n  Enrich: {isolation: process}", topology: Self.topology))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)

        // Amounts 0.75 * i above 10: i = 14...39; map_values appends the new field.
        let large = (14..<40).map { i in "u\(i % 5)|" + #"{"amount":\#(Double(i) * 0.75),"amount_cents":\#(i * 75)}"# }
        let small = (0..<14).map { i in "u\(i % 5)|" + #"{"amount":\#(Double(i) * 0.75)}"# }
        // Each user's running sums; the first value of a key is its amount as the f64 argument.
        var sums: [String: Double] = [:]
        let totals = payments.enumerated().map { i, payment in
            sums[payment.key, default: 0] += Double(i) * 0.75
            return "\(payment.key)|\(sums[payment.key]!)"
        }
        func read(_ topic: String, _ count: Int) throws -> [String] {
            try cluster.read(topic, count: count).map { "\($0.keyString ?? "null")|\($0.valueString ?? "null")" }
                .sorted()
        }
        #expect(try read("large-payments", large.count) == large.sorted())
        #expect(try read("small-payments", small.count) == small.sorted())
        #expect(try read("totals", totals.count) == totals.sorted())

        // The plugin runs in a child `eddy plugin-host`, never in the worker.
        let pid = worker.process.processIdentifier
        #expect(!maps(pid, "libEnrich.so"))
        #expect(childPids(of: pid).contains { maps($0, ".so") && maps($0, "Enrich") })
        #expect(try worker.stop() == 0)
    }

    @Test func crashesAndHangsOfAnIsolatedTypedFunctionAreRestartedExactlyOnce() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 2)
        try cluster.createTopic("output", partitions: 2)
        let plugins = try CrashPluginDirectory()
        let values = crashMarkedValues()
        let records = values.map(plugins.filterRecord)
        try cluster.produce("input", records.map { (nil, Array($0.utf8)) }) { Int32($0 % 2) }
        let port = try freePort()
        let app = try plugins.filterApp(
            id: uniqueName("isolated-function-crash"), cluster: cluster,
            extra: """
                plugins:
                  Crashy: {isolation: process}
                plugin.timeout.ms: 2000
                application.server: 127.0.0.1:\(port)
                """)
        let worker = try WorkerProcess(app: app, instance: "a", directory: plugins.directory)

        let output = try cluster.read("output", count: records.count, timeout: .seconds(120))
        #expect(output.map { $0.valueString ?? "" }.sorted() == records.sorted())
        #expect(worker.process.isRunning)
        try waitForOneRestartPerCrash(port: port)
        let log = worker.log
        #expect(log.contains("was killed by signal 11 (SIGSEGV) during "))
        #expect(log.contains("calls of typed function survives"))
        #expect(log.contains("was killed by signal 6 (SIGABRT) during "))
        #expect(log.contains("within plugin.timeout.ms (2000 ms); it was killed with SIGKILL"))
        #expect(log.contains("(restart 4 of plugin.max.restarts 5 within 300000 ms)"))
        #expect(try worker.stop() == 0)
    }
}
