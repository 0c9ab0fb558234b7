import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Exported DSL topologies of a plugin with `isolation: process`: every call into plugin code
/// (the closures behind flatMapValues, groupBy's key selector, a joiner, a filter) runs in the
/// plugin's process, per run of records, while the engine's nodes (sources, repartition,
/// count and its store, the join's table) stay in the worker, with the same records as
/// in-process; and a closure that segfaults, aborts, traps or hangs on a record loses and
/// duplicates nothing under exactly_once_v2 while the worker keeps running.
@Suite struct IsolatedTopologyTests {
    @Test func dslWordCountRunsItsClosuresInThePluginProcessWithExactCounts() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 4)
        try cluster.createTopic("word-counts", partitions: 4)
        let input = WordCountCase(lines: 600, seed: 3)
        try cluster.produce("text-input", lines: input.lines, partitions: 4)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("isolated-dsl"), cluster: cluster, threads: 2, stateDir: dir.path,
                extra: "commit.interval.ms: 200\nplugins:\n  WordCount: {isolation: process}",
                topology: "plugin: WordCount"))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        #expect(WordCountCase.render(try cluster.read("word-counts", count: input.outputCount)) == input.expected)
        let pid = worker.process.processIdentifier
        #expect(!maps(pid, "WordCount"))
        // One child per stream thread that runs a task calling the plugin's closures.
        #expect(!childPids(of: pid).filter { maps($0, "WordCount") }.isEmpty)
        #expect(try worker.stop() == 0)
    }

    @Test func aDSLJoinerRunsInThePluginProcess() throws {
        let cluster = try Cluster()
        for topic in ["orders", "customers", "customers-seen", "customer-orders"] {
            try cluster.createTopic(topic, partitions: 1)
        }
        try cluster.produce("customers", timed: [(0, "c1", "Ada", 1000), (0, "c2", "Grace", 1000)])
        try cluster.produce("orders", timed: [(0, "c1", "tea", 2000), (0, "c9", "jam", 2001), (0, "c2", "cake", 2002)])
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("isolated-join"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50\nmax.task.idle.ms: 500\nplugins:\n  Orders: {isolation: process}",
                topology: "plugin: Orders"))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        let output = try cluster.read("customer-orders", count: 3).map {
            "\($0.keyString ?? "") \($0.valueString ?? "")"
        }
        #expect(output == ["c1 tea for Ada", "c9 jam for an unknown customer", "c2 cake for Grace"])
        #expect(!maps(worker.process.processIdentifier, "Orders"))
        #expect(try worker.stop() == 0)
    }

    @Test func crashesAndHangsOfAnIsolatedDSLClosureAreRestartedExactlyOnce() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 2)
        try cluster.createTopic("output", partitions: 2)
        let plugins = try CrashPluginDirectory()
        let values = crashMarkedValues()
        try cluster.produce("input", values.map { (nil, Array($0.utf8)) }) { Int32($0 % 2) }
        let port = try freePort()
        let app = try plugins.topologyApp(
            id: uniqueName("isolated-closure-crash"), cluster: cluster,
            extra: """
                plugins:
                  Crashy: {isolation: process}
                plugin.timeout.ms: 2000
                application.server: 127.0.0.1:\(port)
                """)
        let worker = try WorkerProcess(
            app: app, instance: "a", directory: plugins.directory, environment: ["CRASHY_MARKERS": plugins.markers])

        let output = try cluster.read("output", count: values.count, timeout: .seconds(120))
        #expect(output.map { $0.valueString ?? "" }.sorted() == values.sorted())
        #expect(worker.process.isRunning)
        try waitForOneRestartPerCrash(port: port)
        let log = worker.log
        #expect(log.contains("was killed by signal 11 (SIGSEGV) during a run of"))
        #expect(log.contains("records of node survive"))
        #expect(log.contains("within plugin.timeout.ms (2000 ms); it was killed with SIGKILL"))
        #expect(log.contains("without leaving the group (restart 4 of plugin.max.restarts 5 within 300000 ms)"))
        #expect(try worker.stop() == 0)
    }
}
