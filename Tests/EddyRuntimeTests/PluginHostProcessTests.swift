import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// The `eddy plugin-host` process of an isolated plugin: it holds its standard streams and its
/// channel to the worker and no other descriptor of the worker's (RocksDB's files, sockets),
/// and a plugin that prints to standard output while it loads does not corrupt the manifest
/// the process answers with.
@Suite struct PluginHostProcessTests {
    @Test func thePluginProcessHoldsOnlyItsStandardStreamsAndItsChannel() throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 2)
        try cluster.createTopic("word-counts", partitions: 2)
        let input = WordCountCase(lines: 200, seed: 5)
        try cluster.produce("text-input", lines: input.lines, partitions: 2)
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("isolated-fds"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "plugins:\n  WordCount: {isolation: process}", topology: WordCountCase.topology))
        let worker = try WorkerProcess(app: app, instance: "a", directory: dir)
        #expect(WordCountCase.render(try cluster.read("word-counts", count: input.outputCount)) == input.expected)

        let pid = worker.process.processIdentifier
        // The worker holds descriptors a child would inherit: RocksDB's files and sockets
        // among them, without close-on-exec.
        let inheritable = Self.descriptors(of: pid).filter { $0 > 2 && !Self.closesOnExec(pid, $0) }
        #expect(!inheritable.isEmpty, "the worker has no descriptor without close-on-exec; the test proves nothing")
        let workerFiles = Set(
            Self.descriptors(of: pid).map { Self.target(pid, $0) }.filter {
                $0.hasPrefix("/") || $0.hasPrefix("socket:")
            })
        let children = childPids(of: pid).filter { maps($0, "WordCount") }
        #expect(children.count == 1)
        for child in children {
            let fds = Self.descriptors(of: child)
            let targets = fds.map { "\($0) -> \(Self.target(child, $0))" }
            // Its standard streams (the worker's), its socket and its shared memory…
            #expect(Array(fds.prefix(5)) == [0, 1, 2, 3, 4], "\(targets)")
            #expect(Self.target(child, 3).hasPrefix("socket:") && workerFiles.contains(Self.target(child, 3)) == false)
            #expect(Self.target(child, 4).hasPrefix("/dev/shm/eddy-plugin-"))
            // …and past them only what its own runtime made after it started (libdispatch's
            // event loop): no file or socket of the worker's.
            let own = fds.dropFirst(5).map { Self.target(child, $0) }
            #expect(
                own.allSatisfy {
                    ["anon_inode:[eventpoll]", "anon_inode:[eventfd]", "anon_inode:[timerfd]"].contains($0)
                },
                "\(targets)")
        }
        #expect(try worker.stop() == 0)
    }

    @Test func aPluginPrintingWhileItLoadsDoesNotCorruptTheManifest() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 1)
        try cluster.createTopic("output", partitions: 1)
        let plugins = try CrashPluginDirectory(printing: true)
        let values = (0..<20).map { "v\($0)" }
        try cluster.produce("input", values.map { (nil, Array($0.utf8)) })
        let app = try plugins.app(
            id: uniqueName("isolated-printing"), cluster: cluster, extra: "plugins:\n  Crashy: {isolation: process}")
        let worker = try WorkerProcess(app: app, instance: "a", directory: plugins.directory)
        let output = try cluster.read("output", count: values.count)
        #expect(output.map { $0.valueString ?? "" } == values)
        // The serving process loaded the plugin too, and its print reached the worker's output.
        #expect(worker.log.contains(#"crashy: loaded {"not": "a manifest"}"#))
        #expect(try worker.stop() == 0)
    }

    /// The open descriptors of `pid`, sorted.
    static func descriptors(of pid: Int32) -> [Int32] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd")) ?? []).compactMap { Int32($0) }
            .sorted()
    }

    /// What descriptor `fd` of `pid` refers to.
    static func target(_ pid: Int32, _ fd: Int32) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/fd/\(fd)")) ?? ""
    }

    /// Whether descriptor `fd` of `pid` has close-on-exec (`O_CLOEXEC` in `/proc/<pid>/fdinfo`).
    static func closesOnExec(_ pid: Int32, _ fd: Int32) -> Bool {
        let info = (try? String(contentsOfFile: "/proc/\(pid)/fdinfo/\(fd)", encoding: .utf8)) ?? ""
        guard let line = info.split(separator: "\n").first(where: { $0.hasPrefix("flags:") }),
            let flags = Int(line.dropFirst("flags:".count).trimmingCharacters(in: .whitespaces), radix: 8)
        else { return true }
        return flags & Int(O_CLOEXEC) != 0
    }
}
