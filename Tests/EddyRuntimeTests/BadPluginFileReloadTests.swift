import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// A running worker that meets a bad plugin file — cut short, empty, not ELF, for another
/// machine, a directory, outside `plugins.dir` — refuses it before `dlopen`, keeps its
/// current build, reports the refusal in `plugin status` and its log, and goes on
/// processing: the output stays exact under exactly_once_v2.
@Suite struct BadPluginFileReloadTests {
    /// Every bad file, through `StreamsApp.reload`. Each is made from the next build (v2), as
    /// a broken deployment of it would leave it, under the plugin's own name in `plugins.dir`
    /// (or beside it, for the file outside).
    @Test func everyBadFileIsRefusedAndTheRunningBuildKeepsProcessing() throws {
        let f = try ReloadingWorker(watch: false)
        try f.produce(0..<300)
        _ = try f.outputs(forLines: 300)
        let v1 = f.app.pluginStatus()[0].current
        let built = (productsDirectory as NSString).appendingPathComponent("libWordCountV2.so")
        for bad in BadPluginFile.allCases {
            let path = try bad.make(named: "libWordCount.so", from: built, in: f.plugins.path)
            let reason = try bad.refusal(of: path, directory: f.plugins.path, built: built)
            let error = #expect(throws: ReloadError.self) {
                try f.app.reload("WordCount", file: bad == .fileOutside ? path : nil)
            }
            #expect(error?.description == "reload of WordCount refused: \(reason); the running build stays", "\(bad)")
            let status = f.app.pluginStatus()[0]
            #expect(status.current == v1, "\(bad)")
            #expect(status.loaded == [v1], "\(bad)")
            #expect(status.lastError == reason, "\(bad)")
        }
        try f.produce(300..<600)
        let output = try f.outputs(forLines: 600)
        f.stop()
        #expect(WordCountCase.render(output) == WordCountCase(lines: Array(f.input.lines[..<600])).expected)
        #expect(Set(output.map(ReloadingWorker.version)) == [v1])
        #expect(f.app.reloadCount.load(ordering: .relaxed) == 0)
    }

    /// What issue 22 reported: a copy of a new build that stopped after 100,000 bytes lands in
    /// `plugins.dir` of a running `eddy run`. The watcher's reload refuses it; `eddy plugin
    /// status` shows why, `eddy plugin reload` fails with the same reason, the worker logs it,
    /// keeps running and exits cleanly when stopped.
    @Test func aBuildCopiedHalfwayIntoPluginsDirIsRefusedByARunningWorker() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 600, seed: 22)
        let dir = TemporaryDirectory()
        let plugins = try PluginsDirectory(in: dir, installing: ["libWordCount.so"])
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("bad-file"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "plugins.watch: true",
                topology: WordCountCase.topology
            ).using(plugins))
        let worker = try WorkerProcess(app: app, instance: "w", directory: dir)
        let target = ["--app", app, "--state-dir", dir.path + "/state-w"]
        func status() throws -> [String: Any] {
            let result = try ProcessRunner.eddy(["plugin", "status"] + target)
            guard let entries = try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [[String: Any]],
                let first = entries.first
            else {
                throw WorkerError(
                    description:
                        "plugin status answered \"\(result.stdout)\(result.stderr)\"; worker log:\n\(worker.log.suffix(3000))"
                )
            }
            return first
        }

        try cluster.produce("text-input", lines: Array(input.lines[..<200]), partitions: 6)
        _ = try cluster.read("word-counts", count: WordCountCase(lines: Array(input.lines[..<200])).outputCount)
        let v1 = try #require(try status()["current"] as? String)

        let built = (productsDirectory as NSString).appendingPathComponent("libWordCountV2.so")
        let half = BadPluginFile.cutShortAt100000
        let path = try half.make(named: "libWordCount.so", from: built, in: plugins.path)
        let reason = try half.refusal(of: path, directory: plugins.path, built: built)
        try waitUntil("the worker refuses the half-copied build", detail: { "; log:\n\(worker.log.suffix(3000))" }) {
            try status()["lastError"] as? String == reason
        }
        #expect(try status()["current"] as? String == v1)
        let reload = try ProcessRunner.eddy(["plugin", "reload", "WordCount"] + target)
        #expect(reload.signal == nil)
        #expect(reload.status == 1)
        let answer = try JSONSerialization.jsonObject(with: Data(reload.stdout.utf8)) as? [String: String]
        #expect(answer == ["error": "reload of WordCount refused: \(reason); the running build stays"])

        try cluster.produce("text-input", lines: Array(input.lines[200...]), partitions: 6)
        let output = try cluster.read("word-counts", count: input.outputCount)
        #expect(try worker.stop() == 0)
        #expect(WordCountCase.render(output) == input.expected)
        #expect(worker.log.contains("a new build of WordCount appeared in \(plugins.path)"))
        #expect(worker.log.contains("reload of WordCount refused: \(reason); the running build stays"))
    }
}
