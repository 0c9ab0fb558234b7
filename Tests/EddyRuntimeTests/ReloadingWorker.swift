import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Logging
import Testing

/// A WordCount worker (in this process, 2 threads) over a private plugins directory holding
/// `libWordCount.so` (v1): the worker of the hot-reload tests. It stops when it goes away, on
/// every path out of a test: a worker left running after a failed wait outlives its broker
/// and reconnects to whichever test's broker binds that port next, where it reads and writes
/// the same topic names.
final class ReloadingWorker {
    let cluster: Cluster
    let dir = TemporaryDirectory()
    let plugins: PluginsDirectory
    let app: StreamsApp
    let input = WordCountCase(lines: 900, seed: 3)

    init(watch: Bool) throws {
        cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        plugins = try PluginsDirectory(in: dir, installing: ["libWordCount.so"])
        let yaml = appYAML(
            id: uniqueName("reload"), cluster: cluster, threads: 2, stateDir: dir.path,
            extra: "plugins.watch: \(watch)\ncommit.interval.ms: 100\nplugin.version.header: true",
            topology: WordCountCase.topology
        ).using(plugins)
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .warning
        app = try StreamsApp(config: try AppConfig.parse(yaml: yaml, file: "app.yaml"), logger: logger)
        try app.start()
    }

    func produce(_ range: Range<Int>) throws {
        try cluster.produce("text-input", lines: Array(input.lines[range]), partitions: 6)
    }

    func outputs(forLines count: Int) throws -> [KafkaConsumerRecord] {
        try cluster.read("word-counts", count: WordCountCase(lines: Array(input.lines[..<count])).outputCount)
    }

    /// The build that made an output: its `eddy.plugin.version` header, or "none".
    static func version(_ record: KafkaConsumerRecord) -> String {
        record.headers.first { $0.key == PluginVersion.headerKey }.map {
            String(decoding: $0.value ?? [], as: UTF8.self)
        } ?? "none"
    }

    func stop() {
        app.requestStop()
        if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
    }

    /// Stops the worker before its broker goes (a no-op after ``stop()``: joining again
    /// returns at once).
    deinit {
        app.requestStop()
        _ = app.join()
    }
}
