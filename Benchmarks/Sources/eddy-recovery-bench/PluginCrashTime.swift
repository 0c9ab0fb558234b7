import BenchKit
import Foundation

/// Time from an isolated plugin's crash to processing again, under exactly_once_v2.
///
/// A worker runs the `Crashy` test plugin (`Tests/Fixtures/crashy.c`, compiled here with
/// `cc`) with `isolation: process`: `input` → `relay` → `output`, one partition, one stream
/// thread, commit.interval.ms 100. After a warm-up, each round produces one ordinary record
/// and times it to its committed output (the latency with no crash), then one `segv`, which
/// kills the plugin's process, and times it to its committed output: the worker restarts the
/// process after its backoff (100 ms, doubling per restart within plugin.restart.window.ms),
/// rejoins the group and reprocesses from the last commit, where the record goes through.
func benchPluginCrash(products: String, rounds: Int) throws {
    let cluster = try BenchCluster()
    try withScratchDirectory("eddy-recovery-bench") { directory in
        let plugins = directory + "/plugins"
        let markers = directory + "/markers"
        for path in [plugins, markers] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        }
        try compileCrashy(to: plugins + "/libCrashy.so")
        try cluster.createTopic("input", partitions: 1)
        try cluster.createTopic("output", partitions: 1)
        let app = directory + "/app.yaml"
        try """
        application.id: plugin-crash-bench
        bootstrap.servers: \(cluster.broker.bootstrapServers)
        processing.guarantee: exactly_once_v2
        num.stream.threads: 1
        commit.interval.ms: 100
        plugins.dir: \(plugins)
        state.dir: \(directory)/state
        plugins:
          Crashy: {isolation: process}
        plugin.max.restarts: \(rounds + 1)
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
        """.write(toFile: app, atomically: true, encoding: .utf8)
        let output = try CommittedCounter(cluster: cluster, topic: "output", partitions: 1)
        defer { output.stop() }
        let worker = try Worker(
            eddy: products + "/eddy", app: app, instance: "worker", stateDir: directory + "/state",
            logPath: directory + "/worker.log")
        let warmUp = 10_000
        try cluster.produce("input", count: warmUp, partitions: 1)
        try output.waitFor(warmUp)
        var total = warmUp
        for round in 1...rounds {
            let plain = ContinuousClock.now
            try cluster.produce("input", value: "v", partition: 0)
            total += 1
            let plainDone = try output.waitFor(total)
            let crash = ContinuousClock.now
            try cluster.produce("input", value: "segv", partition: 0)
            total += 1
            let crashDone = try output.waitFor(total)
            try FileManager.default.removeItem(atPath: markers + "/segv")
            print(
                "plugin crash round \(round): an ordinary record to its committed output \(format(seconds(plain, plainDone) * 1000)) ms; "
                    + "a record that crashes the plugin's process to its committed output (restart backoff \(100 << (round - 1)) ms included) "
                    + "\(format(seconds(crash, crashDone) * 1000)) ms")
        }
        let restarts = worker.lines(containing: "restarting its process in").count
        worker.stop()
        let extra = output.settled(quiet: .milliseconds(500)) - total
        print(
            "plugin crash: \(restarts) restarts logged; \(extra == 0 ? "output exact (\(total) records)" : "\(extra) records too many")"
        )
    }
}

/// Compiles `Tests/Fixtures/crashy.c` of this repository against `sdk/include` into `output`.
private func compileCrashy(to output: String) throws {
    let repository = ((#filePath as NSString).appendingPathComponent("../../../..") as NSString).standardizingPath
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    process.arguments = [
        "cc", "-shared", "-fPIC", "-O2", "-I", repository + "/sdk/include", "-o", output,
        repository + "/Tests/Fixtures/crashy.c",
    ]
    try process.run()
    process.waitUntilExit()
    guard process.terminationStatus == 0 else { throw BenchError("cc could not compile Tests/Fixtures/crashy.c") }
    try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: output)
}
