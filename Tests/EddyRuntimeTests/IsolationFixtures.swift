import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Logging

/// A plugins directory of one test with the `Crashy` C plugin compiled into it from `eddy.h`
/// alone, and the application files that run it.
final class CrashPluginDirectory {
    let directory: TemporaryDirectory
    let plugins: String
    /// Where the plugin notes the crashes it already made (it crashes once per marker).
    let markers: String

    /// With `printing`, the plugin prints to standard output while it loads.
    init(printing: Bool = false) throws {
        directory = TemporaryDirectory()
        plugins = directory.path + "/plugins"
        markers = directory.path + "/markers"
        try FileManager.default.createDirectory(atPath: plugins, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: markers, withIntermediateDirectories: true)
        try Self.compileCrashy(to: plugins + "/libCrashy.so", defines: printing ? ["CRASHY_PRINTS_WHILE_LOADING"] : [])
    }

    /// An application running `Crashy/relay` from `input` to `output`, with the extra keys.
    func app(id: String, cluster: Cluster, guarantee: String = "exactly_once_v2", extra: String) throws -> String {
        try directory.write(
            "app.yaml",
            """
            application.id: \(id)
            bootstrap.servers: \(cluster.bootstrap)
            processing.guarantee: \(guarantee)
            num.stream.threads: 1
            plugins.dir: \(plugins)
            state.dir: \(directory.path)/state
            \(extra)
            kafka:
              session.timeout.ms: "6000"
              heartbeat.interval.ms: "500"
              fetch.wait.max.ms: "10"
            topology:
              sources:
                - {name: in, topics: [input]}
              processors:
                - {name: relay, plugin: Crashy, processor: relay, inputs: [in], config: {marker.dir: "\(markers)"}}
              sinks:
                - {name: out, topic: output, inputs: [relay]}
            """)
    }

    /// An application filtering JSON records `{"v": …, "m": <markers>}` of `input` into
    /// `output` with the typed function `Crashy.survives(v, m)`, with the extra keys.
    func filterApp(id: String, cluster: Cluster, extra: String) throws -> String {
        try directory.write(
            "app.yaml",
            """
            application.id: \(id)
            bootstrap.servers: \(cluster.bootstrap)
            processing.guarantee: exactly_once_v2
            num.stream.threads: 1
            plugins.dir: \(plugins)
            state.dir: \(directory.path)/state
            \(extra)
            kafka:
              session.timeout.ms: "6000"
              heartbeat.interval.ms: "500"
              fetch.wait.max.ms: "10"
            topology:
              sources:
                - {name: in, topics: [input], value.serde: json}
              processors:
                - {name: keep, type: filter, function: Crashy.survives, fields: [v, m], inputs: [in]}
              sinks:
                - {name: out, topic: output, inputs: [keep], value.serde: json}
            """)
    }

    /// An application running Crashy's exported topology (`input` → filter → `output`).
    func topologyApp(id: String, cluster: Cluster, extra: String) throws -> String {
        try directory.write(
            "app.yaml",
            """
            application.id: \(id)
            bootstrap.servers: \(cluster.bootstrap)
            processing.guarantee: exactly_once_v2
            num.stream.threads: 1
            plugins.dir: \(plugins)
            state.dir: \(directory.path)/state
            \(extra)
            kafka:
              session.timeout.ms: "6000"
              heartbeat.interval.ms: "500"
              fetch.wait.max.ms: "10"
            topology:
              plugin: Crashy
            """)
    }

    /// The JSON value the filter app reads for `value`.
    func filterRecord(_ value: String) -> String { #"{"v":"\#(value)","m":"\#(markers)"}"# }

    /// Compiles `Tests/Fixtures/crashy.c` — the `Crashy` plugin: a `relay` processor that
    /// forwards every record, and crashes once per `marker.dir` on the values `segv`, `abort`
    /// and `hang` — against `eddy.h` into `output`.
    static func compileCrashy(to output: String, defines: [String] = []) throws {
        let tests = (#filePath as NSString).deletingLastPathComponent as NSString
        try CPlugin.compile(
            (tests.appendingPathComponent("../Fixtures/crashy.c") as NSString).standardizingPath, to: output,
            defines: defines)
    }
}

/// Starts, in this process, the worker of application file `yaml` whose plugins run isolated:
/// the test runner is no `eddy`, so the plugin processes come from the built one.
func startIsolatedApp(yaml: String) throws -> StreamsApp {
    var config = try AppConfig.parse(yaml: yaml, file: "app.yaml")
    config.pluginIsolation.hostExecutable = productsDirectory + "/eddy"
    var logger = Logger(label: "eddy.test")
    logger.logLevel = .warning
    let app = try StreamsApp(config: config, logger: logger)
    try app.start()
    return app
}

/// The pids of the processes `pid` started that still run (`/proc/<pid>/task/*/children`).
func childPids(of pid: Int32) -> [Int32] {
    let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
    return tasks.flatMap { task in
        ((try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/children", encoding: .utf8)) ?? "")
            .split(separator: " ").compactMap { Int32($0) }
    }.sorted()
}

/// Whether process `pid` has a file whose path contains `name` mapped (`/proc/<pid>/maps`).
func maps(_ pid: Int32, _ name: String) -> Bool {
    ((try? String(contentsOfFile: "/proc/\(pid)/maps", encoding: .utf8)) ?? "").contains(name)
}

/// 600 values `v0`… with the four crash markers at 100 (`segv`), 300 (`abort`), 400 (`trap`)
/// and 500 (`hang`): what each crash test feeds the Crashy plugin.
func crashMarkedValues() -> [String] {
    var values = (0..<600).map { "v\($0)" }
    values[100] = "segv"
    values[300] = "abort"
    values[400] = "trap"
    values[500] = "hang"
    return values
}

/// Waits (bounded) until the worker's `/metrics` on `port` counts exactly one restart of the
/// Crashy plugin for each of the four crashes; returns the last scrape.
@discardableResult
func waitForOneRestartPerCrash(port: Int) throws -> String {
    var text = ""
    try waitUntil("/metrics counts one restart per crash", detail: { "; last scrape:\n\(text)" }) {
        text = (try? EndpointClient.get(port: port, "/metrics").body) ?? ""
        return ["SIGSEGV", "SIGABRT", PluginIsolationTests.trapSignal, "timeout"].allSatisfy {
            PluginIsolationTests.restarts(text, reason: $0) == 1
        }
    }
    return text
}
