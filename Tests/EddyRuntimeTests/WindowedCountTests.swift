import EddyKafka
import EddyRuntime
import EddyState
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Window stores end to end: WordCount's `windowed-count` (tumbling 10 s windows) runs in a
/// real worker against `eddy-broker`, with its `window-counts` store in RocksDB, changelogged
/// and restored. One stream thread per worker, so no task moves within a run.
@Suite struct WindowedCountTests {
    static let keys = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]

    /// Event `i`: key `keys[i % 6]` at `i * 500` ms — 20 events per 10 s window.
    static func events(_ range: Range<Int>, at time: (Int) -> Int64 = { Int64($0) * 500 }) -> [(
        key: String, timestamp: Int64
    )] {
        range.map { (keys[$0 % keys.count], time($0)) }
    }

    static func topology(grace: Int64 = 0) -> String {
        """
        sources:
          - name: events
            topics: [events]
            timestamp.field: ts
        processors:
          - name: counts
            plugin: WordCount
            processor: windowed-count
            inputs: [events]
            config: {grace.ms: "\(grace)"}
        sinks:
          - name: out
            topic: windowed-counts
            inputs: [counts]
            value.serde: i64
        """
    }

    /// What `windowed-count` must output for `events` (processed in order per key) after
    /// `before`: `key@windowStart:count` per event, as a sorted multiset.
    static func expectedOutputs(
        _ events: [(key: String, timestamp: Int64)], after before: [(key: String, timestamp: Int64)] = []
    ) -> [String] {
        var counts = finalCounts(before)
        return events.map { event in
            let window = "\(event.key)@\(event.timestamp - event.timestamp % 10_000)"
            counts[window, default: 0] += 1
            return "\(window):\(counts[window]!)"
        }.sorted()
    }

    /// `key@windowStart` → count after `events`.
    static func finalCounts(_ events: [(key: String, timestamp: Int64)]) -> [String: Int64] {
        events.reduce(into: [:]) { $0["\($1.key)@\($1.timestamp - $1.timestamp % 10_000)", default: 0] += 1 }
    }

    /// The windows a store must hold for `counts`: `key@start..end=count`, sorted.
    static func windows(_ counts: [String: Int64]) -> [String] {
        counts.map { window, count in
            let start = Int64(window.split(separator: "@")[1])!
            return "\(window)..\(start + 10_000)=\(count)"
        }.sorted()
    }

    static func render(_ records: [KafkaConsumerRecord]) -> [String] {
        records.map { "\($0.keyString ?? "null"):\($0.value.map(decodeLong) ?? -1)" }.sorted()
    }

    struct Fixture {
        let cluster: Cluster
        let dir = TemporaryDirectory()
        let config: AppConfig
        /// The application file, written to `dir` for the `eddy` CLI.
        let appFile: String
        var stateDir: String { dir.path + "/state" }
        var changelog: String { Topology.changelogTopic(config.applicationId, "window-counts") }

        init(guarantee: String = "exactly_once_v2", grace: Int64 = 0, stores: String = "") throws {
            cluster = try Cluster()
            try cluster.createTopic("events", partitions: 4)
            try cluster.createTopic("windowed-counts", partitions: 4)
            appFile = try dir.write(
                "app.yaml",
                appYAML(
                    id: uniqueName("windowed"), cluster: cluster, guarantee: guarantee, threads: 1,
                    stateDir: dir.path + "/state",
                    extra: "commit.interval.ms: 100", topology: WindowedCountTests.topology(grace: grace) + stores))
            config = try AppConfig.load(path: appFile)
        }

        /// Produces events keyed by their key (so one key always lands in one partition) with
        /// their timestamp in the JSON field `ts`.
        func produce(_ events: [(key: String, timestamp: Int64)]) throws {
            try cluster.produce("events", events.map { ($0.key, Array(#"{"ts": \#($0.timestamp)}"#.utf8)) })
        }

        /// Runs one worker until `outputs` records are in the output topic (or, with `tasks`,
        /// until that many tasks are running), stops it cleanly and returns its progress.
        func run(outputs: Int? = nil, tasks: Int? = nil) throws -> StreamsApp.Progress {
            var progress: StreamsApp.Progress?
            try runWorker(config) { (app: StreamsApp) in
                if let outputs { _ = try cluster.read("windowed-counts", count: outputs) }
                if let tasks {
                    try waitUntil("the worker runs \(tasks) tasks", detail: { " (\(app.progress().tasks) running)" }) {
                        app.progress().tasks >= tasks
                    }
                }
                progress = app.progress()
            }
            return progress!
        }

        func outputs(_ count: Int) throws -> [String] {
            WindowedCountTests.render(try cluster.read("windowed-counts", count: count))
        }

        /// Every window in the stopped worker's `window-counts` stores on disk (under `root`,
        /// by default the fixture's state directory), `key@start..end=count`, sorted.
        func storedWindows(in root: String? = nil) throws -> [String] {
            let inspector = try StateInspector(root: root ?? stateDir, applicationId: config.applicationId)
            var found: [String] = []
            for onDisk in try inspector.stores() where onDisk.name == "window-counts" {
                #expect(onDisk.kind == "window" && onDisk.windowSizeMs == 10_000)
                let store = try inspector.open(onDisk, waitingUpTo: .seconds(10))
                defer { store.close() }
                try store.forEachWindow { key, start, value in
                    found.append(
                        "\(String(decoding: key, as: UTF8.self))@\(start)..\(start + 10_000)=\(decodeLong(Array(value)))"
                    )
                }
            }
            return found.sorted()
        }
    }

    @Test(arguments: ["exactly_once_v2", "at_least_once"])
    func countsPerWindowAreExactInOutputsStoreAndChangelog(guarantee: String) throws {
        let f = try Fixture(guarantee: guarantee)
        let events = Self.events(0..<120)
        try f.produce(events)
        let progress = try f.run(outputs: events.count)
        #expect(progress.restored == 0)
        #expect(try f.outputs(events.count) == Self.expectedOutputs(events))
        #expect(try f.storedWindows() == Self.windows(Self.finalCounts(events)))

        // The changelog is co-partitioned with the input and keyed [record key][window start,
        // 8 bytes big-endian]; its latest record per window is the window's count.
        let partitionOf = Dictionary(try f.cluster.readToEnd("events").map { ($0.keyString!, $0.partition) }) { a, _ in
            a
        }
        var latest: [String: Int64] = [:]
        for record in try f.cluster.readToEnd(f.changelog).sorted(by: {
            ($0.partition, $0.offset) < ($1.partition, $1.offset)
        }) {
            let bytes = record.key ?? []
            let key = String(decoding: bytes.dropLast(8), as: UTF8.self)
            #expect(record.partition == partitionOf[key], "\(key) changelogged to partition \(record.partition)")
            latest["\(key)@\(decodeLong(Array(bytes.suffix(8))))"] = record.value.map(decodeLong)
        }
        #expect(latest == Self.finalCounts(events))
        // Compacted, and deleted a day after the declared 120 s retention, as in Kafka Streams.
        #expect(
            try KafkaAdmin(configuration: f.cluster.configuration).describeTopicConfigs(f.changelog)
                == ["cleanup.policy": "compact,delete", "retention.ms": "86520000"])
    }

    @Test(arguments: [true, false])
    func aRestartRestoresTheWindowsAndCountingGoesOn(persistent: Bool) throws {
        let f = try Fixture(stores: "\nstores:\n  - {name: window-counts, persistent: \(persistent)}")
        // The split falls inside the window [30000, 40000): its counts must carry over.
        let first = Self.events(0..<70), second = Self.events(70..<120)
        try f.produce(first)
        #expect(try f.run(outputs: first.count).restored == 0)
        let changelogRecords = try f.cluster.readToEnd(f.changelog).count
        #expect(changelogRecords >= Self.finalCounts(first).count)

        try f.produce(second)
        let restored = try f.run(outputs: first.count + second.count).restored
        // RocksDB kept every window up to its checkpoint: nothing to replay after a clean stop.
        // Memory kept nothing: the whole changelog is replayed.
        #expect(restored == (persistent ? 0 : changelogRecords))
        #expect(try f.outputs(first.count + second.count) == Self.expectedOutputs(first + second))
        if persistent {
            #expect(try f.storedWindows() == Self.windows(Self.finalCounts(first + second)))
        }
    }

    @Test func anOlderCheckpointReplaysExactlyTheChangelogTail() throws {
        let f = try Fixture()
        let first = Self.events(0..<70), second = Self.events(70..<120)
        try f.produce(first)
        _ = try f.run(outputs: first.count)
        let afterFirst = try f.cluster.readToEnd(f.changelog).count
        let snapshot = f.dir.path + "/snapshot"
        try FileManager.default.copyItem(atPath: f.stateDir, toPath: snapshot)

        try f.produce(second)
        #expect(try f.run(outputs: first.count + second.count).restored == 0)
        let afterSecond = try f.cluster.readToEnd(f.changelog).count
        let expected = Self.windows(Self.finalCounts(first + second))
        #expect(try f.storedWindows() == expected)

        // Put back the state as the first run left it: its checkpoint covers the first run's
        // changelog records only, so a restart replays exactly the second run's.
        try FileManager.default.removeItem(atPath: f.stateDir)
        try FileManager.default.moveItem(atPath: snapshot, toPath: f.stateDir)
        #expect(try f.storedWindows() == Self.windows(Self.finalCounts(first)))
        #expect(try f.run(tasks: 4).restored == afterSecond - afterFirst)
        #expect(afterSecond > afterFirst)
        #expect(try f.storedWindows() == expected)
    }

    @Test func killedMidTransactionTheWindowsAndOutputsAreStillExact() throws {
        let f = try Fixture()
        // 3000 events over one minute of event time, well within the 120 s retention.
        let events = Self.events(0..<3000) { Int64($0) * 20 }
        try f.produce(Array(events[..<1500]))
        let crashed = try WorkerProcess(app: f.appFile, instance: "crashy", directory: f.dir)
        _ = try f.cluster.read("windowed-counts", count: 750)
        crashed.crash()

        try f.produce(Array(events[1500...]))
        let survivor = try WorkerProcess(app: f.appFile, instance: "crashy", directory: f.dir)
        let output = try f.outputs(events.count)
        #expect(try survivor.stop() == 0)
        #expect(output == Self.expectedOutputs(events))
        #expect(try f.storedWindows(in: f.dir.path + "/state-crashy") == Self.windows(Self.finalCounts(events)))
    }

    @Test func windowsBehindRetentionAreGoneFromFetchesAndFromDisk() throws {
        // Retention 20 s (overriding the declared 120 s) and a grace longer than that, so the
        // processor never drops a record itself: only the store's retention can forget.
        let f = try Fixture(grace: 1_000_000, stores: "\nstores:\n  - {name: window-counts, retention.ms: 20000}")
        let early = Self.events(0..<60)
        let late = Self.events(0..<30) { 200_000 + Int64($0) * 500 }
        try f.produce(early)
        try f.produce(late)
        let total = early.count + late.count
        let expectedBefore = Self.expectedOutputs(early + late)

        // Now each task's stream time is past 200000: the window [0, 10000) has expired, so a
        // new record for it finds no count (1, not 5 or 6) and its write is dropped.
        let stale = Self.keys.map { (key: $0, timestamp: Int64(5_000)) }
        var progress: StreamsApp.Progress?
        try runWorker(f.config) { (app: StreamsApp) in
            #expect(WindowedCountTests.render(try f.cluster.read("windowed-counts", count: total)) == expectedBefore)
            try f.produce(stale)
            _ = try f.cluster.read("windowed-counts", count: total + stale.count)
            progress = app.progress()
        }
        #expect(progress?.restored == 0)
        #expect(try f.outputs(total + stale.count) == (expectedBefore + Self.keys.map { "\($0)@0:1" }).sorted())
        // On disk, the segments of the expired windows were deleted at a commit: only the late
        // windows remain.
        #expect(try f.storedWindows() == Self.windows(Self.finalCounts(late)))
        #expect(
            try KafkaAdmin(configuration: f.cluster.configuration).describeTopicConfigs(f.changelog)
                == ["cleanup.policy": "compact,delete", "retention.ms": "86420000"])
    }

    @Test func eddyStoreDumpAndGetShowEachWindowWithItsStartAndEnd() throws {
        let f = try Fixture()
        let events = Self.events(0..<24)
        try f.produce(events)
        _ = try f.run(outputs: events.count)
        let partitionOf = Dictionary(try f.cluster.readToEnd("events").map { ($0.keyString!, $0.partition) }) { a, _ in
            a
        }
        // Per task, in stored order: by key, then window start (every window is in segment 0).
        let rows = Self.finalCounts(events).map { window, count in
            let parts = window.split(separator: "@")
            return (
                task: "0_\(partitionOf[String(parts[0])]!)", key: String(parts[0]), start: Int64(parts[1])!,
                count: count
            )
        }.sorted { ($0.task, $0.key, $0.start) < ($1.task, $1.key, $1.start) }

        let dump = try ProcessRunner.eddy(["store", "dump", f.appFile, "window-counts"])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(
            dump.stdout
                == rows.map { "\($0.task)\t\($0.key)\t\($0.start)\t\($0.start + 10_000)\t\($0.count)\n" }.joined())

        let alpha = rows.filter { $0.key == "alpha" }
        #expect(alpha.count == 1)
        let get = try ProcessRunner.eddy(["store", "get", f.appFile, "window-counts", "alpha", "--format", "json"])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(
            get.stdout
                == alpha.map {
                    #"{"key":"alpha","task":"\#($0.task)","value":\#($0.count),"windowEnd":\#($0.start + 10_000),"windowStart":\#($0.start)}"#
                        + "\n"
                }.joined())
        let gamma = try ProcessRunner.eddy(["store", "get", f.appFile, "window-counts", "gamma"])
        #expect(
            gamma.stdout
                == rows.filter { $0.key == "gamma" }.map {
                    "\($0.task)\t\($0.start)\t\($0.start + 10_000)\t\($0.count)\n"
                }.joined())

        let missing = try ProcessRunner.eddy(["store", "get", f.appFile, "window-counts", "nothing"])
        #expect(missing.status == 1)
        #expect(
            missing.stderr
                == "Error: key nothing is not in store 'window-counts' (tasks searched: 0_0, 0_1, 0_2, 0_3)\n")
    }
}
