import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// A crash of an isolated plugin's process restarts it in place: the worker aborts the
/// transaction, rewinds its tasks to their last committed offsets and starts a new process,
/// keeping its assignment, so neither it nor the other workers of the group rebalance, and
/// exactly_once_v2 still gives every record exactly once.
@Suite struct PluginRestartInPlaceTests {
    @Test func aCrashRestartsThePluginWithoutARebalanceOnAnyWorker() throws {
        let cluster = try Cluster()
        try cluster.createTopic("input", partitions: 4)
        try cluster.createTopic("output", partitions: 4)
        let plugins = try CrashPluginDirectory()
        let app = try plugins.app(
            id: uniqueName("in-place"), cluster: cluster, extra: "plugins:\n  Crashy: {isolation: process}")
        let first = (0..<200).map { "a\($0)" }
        try cluster.produce("input", first.map { (nil, Array($0.utf8)) }) { Int32($0 % 4) }
        let a = try WorkerProcess(app: app, instance: "a", directory: plugins.directory)
        try a.waitForLog("rebalance: assigned")
        let b = try WorkerProcess(app: app, instance: "b", directory: plugins.directory)
        // Cooperative-sticky: a gives up some of its partitions, then b is assigned them; the
        // group is settled once the two own every partition between them, each some.
        try waitUntil("a and b own the 4 partitions between them", detail: { "\n\(a.log)\n\(b.log)" }) {
            let (ownedByA, ownedByB) = (Self.owned(a.log), Self.owned(b.log))
            return !ownedByA.isEmpty && !ownedByB.isEmpty && ownedByA.isDisjoint(with: ownedByB)
                && ownedByA.union(ownedByB) == Set((0..<4).map { "input-\($0)" })
        }
        _ = try cluster.read("output", count: first.count)
        func rebalances(_ worker: WorkerProcess) -> Int { worker.log.components(separatedBy: "rebalance: ").count - 1 }
        let before = (a: rebalances(a), b: rebalances(b))

        var second = (0..<200).map { "b\($0)" }
        second[50] = "segv"
        second[150] = "abort"
        try cluster.produce("input", second.map { (nil, Array($0.utf8)) }) { Int32($0 % 4) }
        let output = try cluster.read("output", count: first.count + second.count, timeout: .seconds(120))
        #expect(output.map { $0.valueString ?? "" }.sorted() == (first + second).sorted())

        let log = a.log + b.log
        #expect(log.contains("was killed by signal 11 (SIGSEGV) during a run of"))
        #expect(log.contains("was killed by signal 6 (SIGABRT) during a run of"))
        #expect(log.components(separatedBy: "without leaving the group (restart ").count - 1 == 2)
        func lines(_ worker: WorkerProcess) -> String {
            worker.log.split(separator: "\n").filter { $0.contains("rebalance: ") || $0.contains("restart") }
                .joined(separator: "\n")
        }
        #expect(rebalances(a) == before.a, "worker a rebalanced:\n\(lines(a))")
        #expect(rebalances(b) == before.b, "worker b rebalanced:\n\(lines(b))")
        #expect(a.log.components(separatedBy: "joined group").count - 1 == 1)
        #expect(b.log.components(separatedBy: "joined group").count - 1 == 1)
        #expect(try b.stop() == 0)
        #expect(try a.stop() == 0)
    }

    /// The partitions a worker owns by its log's rebalance lines (`… rebalance: assigned([input-0, …])`).
    static func owned(_ log: String) -> Set<String> {
        var owned: Set<String> = []
        for line in log.split(separator: "\n") {
            guard let range = line.range(of: "rebalance: ") else { continue }
            let event = line[range.upperBound...]
            guard let open = event.firstIndex(of: "["), let close = event.lastIndex(of: "]") else { continue }
            let partitions = event[event.index(after: open)..<close].split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            if event.hasPrefix("assigned") { owned.formUnion(partitions) } else { owned.subtract(partitions) }
        }
        return owned
    }
}
