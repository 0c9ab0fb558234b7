import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// The ways an operator reloads a running `eddy run`: `eddy plugin reload|rollback|status`
/// through the worker's admin socket, and SIGHUP after replacing the plugin's file.
@Suite struct ReloadTriggerTests {
    @Test func adminCommandsAndSIGHUPSwapARunningWorker() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 600, seed: 9)
        let dir = TemporaryDirectory()
        let plugins = try PluginsDirectory(in: dir, installing: ["libWordCount.so", "libWordCountV2.so"])
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("admin"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "plugins.watch: false",
                topology: WordCountCase.topology
            ).using(plugins))
        let worker = try WorkerProcess(app: app, instance: "w", directory: dir)
        let target = ["--app", app, "--state-dir", dir.path + "/state-w"]
        func current() throws -> String {
            let status = try ProcessRunner.eddy(["plugin", "status"] + target)
            let entries = try JSONSerialization.jsonObject(with: Data(status.stdout.utf8)) as? [[String: Any]]
            return entries?.first?["current"] as? String ?? "status failed: \(status.stdout)\(status.stderr)"
        }

        try cluster.produce("text-input", lines: Array(input.lines[..<200]), partitions: 6)
        _ = try cluster.read("word-counts", count: WordCountCase(lines: Array(input.lines[..<200])).outputCount)
        #expect(try current().hasPrefix("wordcount 1.0.0+"))

        let reload = try ProcessRunner.eddy(
            ["plugin", "reload", "WordCount", "--file", plugins.path + "/libWordCountV2.so"] + target)
        #expect(reload.status == 0)
        #expect(reload.stdout.contains(#""result":"reloaded""#) && reload.stdout.contains("-> wordcount 2.0.0+"))
        #expect(try current().hasPrefix("wordcount 2.0.0+"))
        let rollback = try ProcessRunner.eddy(["plugin", "rollback", "WordCount"] + target)
        #expect(rollback.stdout.contains(#""result":"rolled back""#))
        #expect(try current().hasPrefix("wordcount 1.0.0+"))
        let refused = try ProcessRunner.eddy(["plugin", "reload", "NoSuchPlugin"] + target)
        #expect(refused.status != 0)
        #expect(refused.stdout.contains("the topology uses no plugin 'NoSuchPlugin' (it uses: WordCount)"))

        // SIGHUP: the file in plugins.dir changed, so the worker reloads it.
        try cluster.produce("text-input", lines: Array(input.lines[200..<400]), partitions: 6)
        try plugins.install("libWordCountV2.so", as: "libWordCount.so")
        kill(worker.process.processIdentifier, SIGHUP)
        try waitUntil("SIGHUP reloads the plugin", detail: { "; log:\n\(worker.log.suffix(3000))" }) {
            try current().hasPrefix("wordcount 2.0.0+")
        }
        try cluster.produce("text-input", lines: Array(input.lines[400...]), partitions: 6)
        let output = try cluster.read("word-counts", count: input.outputCount)
        #expect(try worker.stop() == 0)
        #expect(WordCountCase.render(output) == input.expected)
        #expect(worker.log.contains("received SIGHUP"))
    }
}
