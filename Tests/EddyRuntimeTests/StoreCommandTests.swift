import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `eddy store dump|get` over the state a real worker left on disk: a word count runs in
/// this process (RocksDB stores under its state.dir), and the built `eddy` reads them.
@Suite struct StoreCommandTests {
    /// Lines per input partition: partition p feeds task 0_p, so each task's store holds
    /// exactly the counts of its own lines.
    static let lines: [(partition: Int32, text: String)] = [
        (0, "kafka swift kafka"), (0, "Größe eddy"), (1, "state state state"), (1, "swift"),
    ]
    static let outputCount = 9

    static let topology = """
        sources:
          - name: lines
            topics: [text-input]
        processors:
          - name: count
            plugin: WordCount
            processor: word-count
            inputs: [lines]
        sinks:
          - name: out
            topic: word-counts
            inputs: [count]
            value.serde: i64
        """

    /// Runs the word count over ``lines``; `whileRunning` is called once every output is
    /// committed, with the worker still running; the worker is stopped cleanly afterwards.
    func runWordCount(_ cluster: Cluster, _ dir: TemporaryDirectory, whileRunning: (AppConfig) throws -> Void) throws
        -> String
    {
        try cluster.createTopic("text-input", partitions: 2)
        try cluster.createTopic("word-counts", partitions: 2)
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("store-cli"), cluster: cluster, threads: 1, stateDir: dir.path + "/state",
                topology: Self.topology))
        let config = try AppConfig.load(path: app)
        try cluster.produce("text-input", Self.lines.map { (nil, Array($0.text.utf8)) }) { Self.lines[$0].partition }
        try runWorker(config) {
            _ = try cluster.read("word-counts", count: Self.outputCount)
            try whileRunning(config)
        }
        return app
    }

    @Test func dumpAndGetPrintAStoppedWorkersStoreWithItsSerdes() throws {
        let cluster = try Cluster()
        let dir = TemporaryDirectory()
        var locked: ProcessRunner.Result?
        let app = try runWordCount(cluster, dir) { _ in
            locked = try ProcessRunner.eddy(["store", "dump", dir.path + "/app.yaml", "counts"])
        }
        let config = try AppConfig.load(path: app)
        let taskDirectory = "\(dir.path)/state/\(config.applicationId)/0_0"
        let before = try Self.files(under: "\(dir.path)/state/\(config.applicationId)")
        #expect(before.keys.contains("0_0/counts/EDDY-STORE"))
        #expect(locked?.status == 1)
        #expect(
            locked?.stderr
                == "Error: task directory \(taskDirectory) is locked by pid \(getpid()) on host \(Self.hostName()): a worker is "
                + "running with this state — stop the worker first (eddy store reads only a stopped worker's state)\n")
        #expect(locked?.stdout == "")

        let dump = try ProcessRunner.eddy(["store", "dump", app, "counts"])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(
            dump.stdout == "0_0\teddy\t1\n0_0\tgröße\t1\n0_0\tkafka\t2\n0_0\tswift\t1\n0_1\tstate\t3\n0_1\tswift\t1\n")
        #expect(dump.stderr == "")

        let one = try ProcessRunner.eddy(["store", "dump", app, "counts", "--task", "0_1"])
        #expect(one.stdout == "0_1\tstate\t3\n0_1\tswift\t1\n")

        let json = try ProcessRunner.eddy(["store", "dump", app, "counts", "--task", "0_1", "--format", "json"])
        #expect(
            json.stdout == #"{"key":"state","task":"0_1","value":3}"# + "\n"
                + #"{"key":"swift","task":"0_1","value":1}"# + "\n")

        let kafka = try ProcessRunner.eddy(["store", "get", app, "counts", "kafka"])
        #expect(kafka.status == 0, "\(kafka.stderr)")
        #expect(kafka.stdout == "0_0\t2\n")
        let swift = try ProcessRunner.eddy(["store", "get", app, "counts", "swift"])
        #expect(swift.stdout == "0_0\t1\n0_1\t1\n")
        let swiftInOne = try ProcessRunner.eddy(["store", "get", app, "counts", "swift", "--task", "0_1"])
        #expect(swiftInOne.stdout == "0_1\t1\n")
        let size = try ProcessRunner.eddy(["store", "get", app, "counts", "größe", "--format", "json"])
        #expect(size.stdout == #"{"key":"größe","task":"0_0","value":1}"# + "\n")

        let missing = try ProcessRunner.eddy(["store", "get", app, "counts", "nothing"])
        #expect(missing.status == 1)
        #expect(missing.stdout == "")
        #expect(missing.stderr == "Error: key nothing is not in store 'counts' (tasks searched: 0_0, 0_1)\n")

        // Reading wrote nothing: every file of the stores is as the worker left it.
        #expect(try Self.files(under: "\(dir.path)/state/\(config.applicationId)") == before)
    }

    @Test func unknownStoresTasksAndMissingStateAreNamedWithWhatExists() throws {
        let cluster = try Cluster()
        let dir = TemporaryDirectory()
        let app = try runWordCount(cluster, dir) { _ in }
        let config = try AppConfig.load(path: app)
        let appPath = "\(dir.path)/state/\(config.applicationId)"

        let store = try ProcessRunner.eddy(["store", "dump", app, "count"])
        #expect(store.status == 1)
        #expect(store.stderr == "Error: no store 'count' in \(appPath); stores there: counts\n")

        let task = try ProcessRunner.eddy(["store", "get", app, "counts", "kafka", "--task", "0_7"])
        #expect(task.status == 1)
        #expect(task.stderr == "Error: task 0_7 has no store 'counts' in \(appPath); tasks with it: 0_0, 0_1\n")

        let elsewhere = dir.path + "/nowhere"
        let empty = try ProcessRunner.eddy(["store", "dump", app, "counts", "--state-dir", elsewhere])
        #expect(empty.status == 1)
        #expect(
            empty.stderr
                == "Error: no local state for application '\(config.applicationId)' in \(elsewhere)/\(config.applicationId): "
                + "no worker has run here with this state.dir — check state.dir in \(app), or pass --state-dir\n")
    }

    @Test func bytesKeysArePrintedAndLookedUpAsHex() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("event-counts", partitions: 1)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("store-hex"), cluster: cluster, threads: 1, stateDir: dir.path + "/state",
                topology: """
                    sources:
                      - name: events
                        topics: [events]
                    processors:
                      - name: count
                        plugin: WordCount
                        processor: count
                        inputs: [events]
                    sinks:
                      - name: out
                        topic: event-counts
                        inputs: [count]
                        value.serde: i64
                    """))
        try cluster.produce("events", [("a", [1]), ("b\t", [2]), ("a", [3])])
        try runWorker(try AppConfig.load(path: app)) { _ = try cluster.read("event-counts", count: 3) }

        let dump = try ProcessRunner.eddy(["store", "dump", app, "key-counts"])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(dump.stdout == "0_0\t61\t2\n0_0\t6209\t1\n")
        #expect(try ProcessRunner.eddy(["store", "get", app, "key-counts", "61"]).stdout == "0_0\t2\n")
        #expect(try ProcessRunner.eddy(["store", "get", app, "key-counts", "0x6209"]).stdout == "0_0\t1\n")
        let notHex = try ProcessRunner.eddy(["store", "get", app, "key-counts", "a"])
        #expect(notHex.status == 1)
        #expect(
            notHex.stderr
                == "Error: key 'a' is not hex, but store 'key-counts' declares bytes keys — write the key as hex digits, e.g. 0a1b\n"
        )
    }

    /// Each file under `root` (but the task locks) with its size and modification time.
    static func files(under root: String) throws -> [String: String] {
        var files: [String: String] = [:]
        for case let path as String in FileManager.default.enumerator(atPath: root)! where !path.hasSuffix(".lock") {
            let attributes = try FileManager.default.attributesOfItem(atPath: root + "/" + path)
            guard attributes[.type] as? FileAttributeType == .typeRegular else { continue }
            files[path] =
                "\(attributes[.size]!) bytes, modified \((attributes[.modificationDate] as! Date).timeIntervalSince1970)"
        }
        return files
    }

    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
