import EddyKafka
import EddyRuntime
import EddyState
import EddyTestSupport
import Foundation
import Testing

/// Session stores end to end: WordCount's `session-count` (5 s inactivity gap) runs under
/// `exactly_once_v2` in `eddy run` and in a worker against `eddy-broker`, with its
/// `session-counts` store in RocksDB, changelogged as Kafka Streams' session keys and
/// restored. One stream thread per worker; a grace far beyond the events' span, so no
/// record is late and the outputs follow from the events alone.
@Suite struct SessionCountTests {
    static let keys = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]

    /// Event `i`: key `keys[i % 6]` at a time that jumps around the first 90 s, so each key's
    /// sessions start, grow and merge out of order (120 events: 185 outputs, 65 of them
    /// tombstones, 55 sessions left).
    static func events(_ range: Range<Int>) -> [(key: String, timestamp: Int64)] {
        range.map { (keys[$0 % keys.count], Int64(($0 * 37) % 200) * 450) }
    }

    static let topology = """
        sources:
          - name: events
            topics: [session-events]
            timestamp.field: ts
        processors:
          - name: sessions
            plugin: WordCount
            processor: session-count
            inputs: [events]
            config: {grace.ms: "1000000"}
        sinks:
          - name: out
            topic: session-out
            inputs: [sessions]
            value.serde: i64
        """

    /// One session of the model: its window and count.
    struct Session: Equatable {
        var start: Int64
        var end: Int64
        var count: Int64
    }

    /// Kafka Streams' session merge of `events`, in order, with a 5 s gap: the outputs
    /// (`key@start-end:count`, `:null` for a session merged away), sorted, and the sessions
    /// left (`key@start-end=count`), sorted.
    static func model(_ events: [(key: String, timestamp: Int64)]) -> (outputs: [String], sessions: [String]) {
        var sessions: [String: [Session]] = [:]
        var outputs: [String] = []
        for (key, time) in events {
            let merged = (sessions[key] ?? []).filter { $0.end >= time - 5_000 && $0.start <= time + 5_000 }
                .sorted { ($0.start, $0.end) < ($1.start, $1.end) }
            let new = Session(
                start: merged.map(\.start).reduce(time, min), end: merged.map(\.end).reduce(time, max),
                count: merged.reduce(1) { $0 + $1.count })
            for old in merged where (old.start, old.end) != (new.start, new.end) {
                outputs.append("\(key)@\(old.start)-\(old.end):null")
            }
            sessions[key] = (sessions[key] ?? []).filter { !merged.contains($0) } + [new]
            outputs.append("\(key)@\(new.start)-\(new.end):\(new.count)")
        }
        let left = sessions.flatMap { key, list in list.map { "\(key)@\($0.start)-\($0.end)=\($0.count)" } }
        return (outputs.sorted(), left.sorted())
    }

    static func render(_ records: [KafkaConsumerRecord]) -> [String] {
        records.map { "\($0.keyString ?? "null"):\($0.value.map { String(decodeLong($0)) } ?? "null")" }.sorted()
    }

    struct Fixture {
        let cluster: Cluster
        let dir = TemporaryDirectory()
        let appFile: String
        let config: AppConfig
        var changelog: String { Topology.changelogTopic(config.applicationId, "session-counts") }

        init(stores: String = "") throws {
            cluster = try Cluster()
            try cluster.createTopic("session-events", partitions: 4)
            try cluster.createTopic("session-out", partitions: 4)
            appFile = try dir.write(
                "app.yaml",
                appYAML(
                    id: uniqueName("sessions"), cluster: cluster, threads: 1, stateDir: dir.path + "/state",
                    extra: "commit.interval.ms: 100", topology: SessionCountTests.topology + stores))
            config = try AppConfig.load(path: appFile)
        }

        func produce(_ events: [(key: String, timestamp: Int64)]) throws {
            try cluster.produce("session-events", events.map { ($0.key, Array(#"{"ts": \#($0.timestamp)}"#.utf8)) })
        }

        func outputs(_ count: Int) throws -> [String] {
            SessionCountTests.render(try cluster.read("session-out", count: count))
        }

        /// Runs one worker on `stateDir` until `outputs` records are in the output topic, stops
        /// it cleanly and returns how many changelog records it restored.
        func run(stateDir: String, outputs: Int) throws -> Int {
            var config = config
            config.stateDir = stateDir
            var restored = -1
            try runWorker(config) { (app: StreamsApp) in
                _ = try cluster.read("session-out", count: outputs)
                // The outputs may all be there from an earlier run: count the restored records
                // once all four tasks run, each restored.
                try waitUntil("all 4 tasks running", timeout: .seconds(60)) { app.progress().tasks == 4 }
                restored = app.progress().restored
            }
            return restored
        }

        /// Every session in the stopped worker's `session-counts` stores under `stateDir`,
        /// `key@start-end=count`, sorted.
        func storedSessions(in stateDir: String) throws -> [String] {
            let inspector = try StateInspector(root: stateDir, applicationId: config.applicationId)
            var found: [String] = []
            for onDisk in try inspector.stores() where onDisk.name == "session-counts" {
                #expect(onDisk.kind == "session")
                let store = try inspector.open(onDisk, waitingUpTo: .seconds(10))
                defer { store.close() }
                try store.forEachSession { key, start, end, value in
                    found.append("\(String(decoding: key, as: UTF8.self))@\(start)-\(end)=\(decodeLong(Array(value)))")
                }
            }
            return found.sorted()
        }
    }

    @Test func eddyRunCountsSessionsExactlyAndRestartsRestoreThem() throws {
        let f = try Fixture()
        let first = Self.events(0..<120), second = Self.events(120..<200)
        let expectedFirst = Self.model(first)
        try f.produce(first)

        // `eddy run`, as an operator starts it.
        let worker = try WorkerProcess(app: f.appFile, instance: "first", directory: f.dir)
        let output = try f.outputs(expectedFirst.outputs.count)
        #expect(try worker.stop() == 0)
        #expect(output == expectedFirst.outputs)
        #expect(expectedFirst.outputs.filter { $0.hasSuffix(":null") }.count == 65, "the events merge sessions")
        let stateDir = f.dir.path + "/state-first"
        #expect(try f.storedSessions(in: stateDir) == expectedFirst.sessions)

        // The changelog is co-partitioned with the input and keyed as Kafka Streams' session
        // keys, [key][end: 8][start: 8] big-endian; its latest record per session is the count,
        // a tombstone for each session merged away.
        let partitionOf = Dictionary(try f.cluster.readToEnd("session-events").map { ($0.keyString!, $0.partition) }) {
            a, _ in a
        }
        let changelog = try f.cluster.readToEnd(f.changelog).sorted {
            ($0.partition, $0.offset) < ($1.partition, $1.offset)
        }
        var latest: [String: Int64?] = [:]
        for record in changelog {
            let bytes = record.key ?? []
            let key = String(decoding: bytes.dropLast(16), as: UTF8.self)
            #expect(record.partition == partitionOf[key], "\(key) changelogged to partition \(record.partition)")
            let end = decodeLong(Array(bytes.suffix(16).prefix(8))), start = decodeLong(Array(bytes.suffix(8)))
            latest["\(key)@\(start)-\(end)"] = record.value.map(decodeLong)
        }
        #expect(
            latest.compactMap { session, count in count.map { "\(session)=\($0)" } }.sorted() == expectedFirst.sessions)
        // Compacted, and deleted a day after the declared 300 s retention, as in Kafka Streams.
        #expect(
            try KafkaAdmin(configuration: f.cluster.configuration).describeTopicConfigs(f.changelog)
                == ["cleanup.policy": "compact,delete", "retention.ms": "86700000"])

        // Restarted on the same state directory: RocksDB kept every session to its checkpoint,
        // nothing is replayed, and the second batch merges into the sessions of the first.
        let expected = Self.model(first + second)
        try f.produce(second)
        #expect(try f.run(stateDir: stateDir, outputs: expected.outputs.count) == 0)
        #expect(try f.outputs(expected.outputs.count) == expected.outputs)
        #expect(try f.storedSessions(in: stateDir) == expected.sessions)

        // On a fresh state directory the whole changelog is replayed into the same sessions.
        let changelogRecords = try f.cluster.readToEnd(f.changelog).count
        let fresh = f.dir.path + "/state-fresh"
        #expect(try f.run(stateDir: fresh, outputs: expected.outputs.count) == changelogRecords)
        #expect(try f.storedSessions(in: fresh) == expected.sessions)
    }

    @Test func sessionsBehindRetentionAreNeitherFoundNorKeptOnDisk() throws {
        // Retention 20 s (overriding the declared 300 s) and a grace far longer, so only the
        // store's retention can forget. One key, so one task's stream time orders it all.
        let f = try Fixture(stores: "\nstores:\n  - {name: session-counts, retention.ms: 20000}")
        let events: [(key: String, timestamp: Int64)] = [
            ("alpha", 1_000), ("alpha", 3_000), ("alpha", 200_000), ("alpha", 2_000),
        ]
        try f.produce(events)
        #expect(try f.run(stateDir: f.config.stateDir, outputs: 5) == 0)
        // At 2000, stream time is 200000: the session [1000, 3000] ended before 180001, so the
        // record finds nothing (1, not 3) and its session's write is dropped.
        #expect(
            try f.outputs(5) == [
                "alpha@1000-1000:1", "alpha@1000-1000:null", "alpha@1000-3000:2", "alpha@2000-2000:1",
                "alpha@200000-200000:1",
            ])
        // The expired segment left the disk at a commit.
        #expect(try f.storedSessions(in: f.config.stateDir) == ["alpha@200000-200000=1"])
        #expect(
            try KafkaAdmin(configuration: f.cluster.configuration).describeTopicConfigs(f.changelog)
                == ["cleanup.policy": "compact,delete", "retention.ms": "86420000"])
    }

    @Test func eddyStoreDumpAndGetPrintEachSessionWithItsStartAndEnd() throws {
        let f = try Fixture()
        // alpha: one session [0, 4000] of 3 (the record at 4000 merges the two before it);
        // beta: two sessions, 20 s apart.
        let events: [(key: String, timestamp: Int64)] = [
            ("alpha", 0), ("beta", 1_000), ("alpha", 4_000), ("beta", 21_000), ("alpha", 2_000),
        ]
        try f.produce(events)
        #expect(try f.run(stateDir: f.config.stateDir, outputs: Self.model(events).outputs.count) == 0)
        let partitionOf = Dictionary(try f.cluster.readToEnd("session-events").map { ($0.keyString!, $0.partition) }) {
            a, _ in a
        }
        let alpha = "0_\(partitionOf["alpha"]!)", beta = "0_\(partitionOf["beta"]!)"

        let dump = try ProcessRunner.eddy(["store", "dump", f.appFile, "session-counts"])
        #expect(dump.status == 0, "\(dump.stderr)")
        // Per task, in stored order: by segment (all in the first), key length, key, end.
        let rows = [(alpha, "alpha", 0, 4_000, 3), (beta, "beta", 1_000, 1_000, 1), (beta, "beta", 21_000, 21_000, 1)]
            .sorted { ($0.0, $0.1.utf8.count, $0.1, $0.3) < ($1.0, $1.1.utf8.count, $1.1, $1.3) }
            .map { "\($0.0)\t\($0.1)\t\($0.2)\t\($0.3)\t\($0.4)\n" }.joined()
        #expect(dump.stdout == rows)

        let get = try ProcessRunner.eddy(["store", "get", f.appFile, "session-counts", "beta", "--format", "json"])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(
            get.stdout == """
                {"key":"beta","sessionEnd":1000,"sessionStart":1000,"task":"\(beta)","value":1}
                {"key":"beta","sessionEnd":21000,"sessionStart":21000,"task":"\(beta)","value":1}

                """)
        let text = try ProcessRunner.eddy(["store", "get", f.appFile, "session-counts", "alpha"])
        #expect(text.stdout == "\(alpha)\talpha\t0\t4000\t3\n")
    }
}
