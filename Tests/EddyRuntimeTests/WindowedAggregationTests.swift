import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Windowed aggregations of the application file against `eddy-broker`: `window:` on
/// `count` and `reduce`, `emit: final`, late records dropped and counted, windowed keys on
/// the wire as Kafka Streams writes them, and exactly one final result per window through a
/// kill -9 under exactly-once.
@Suite struct WindowedAggregationTests {
    static let topology = """
        sources:
          - {name: clicks, topics: [clicks], value.serde: json, timestamp.field: ts}
          - {name: slides, topics: [slides], value.serde: json, timestamp.field: ts}
        processors:
          - name: sliding
            type: count
            window: {type: sliding, time.difference.ms: 10000, grace.ms: 20000}
            inputs: [slides]
          - name: per-window
            type: count
            window: {type: tumbling, size.ms: 10000, grace.ms: 5000}
            inputs: [clicks]
          - name: final
            type: count
            store: final-counts
            window: {type: tumbling, size.ms: 10000, grace.ms: 5000}
            emit: final
            inputs: [clicks]
          - name: hopping-sum
            type: reduce
            function: Enrich.sum
            field: amount
            window: {type: hopping, size.ms: 20000, advance.ms: 10000, grace.ms: 5000}
            inputs: [clicks]
        sinks:
          - {name: updates, topic: updates, inputs: [per-window], key.serde: bytes, value.serde: i64}
          - {name: finals, topic: finals, inputs: [final], key.serde: bytes, value.serde: i64}
          - {name: sums, topic: sums, inputs: [hopping-sum], key.serde: bytes}
          - {name: sliding-counts, topic: sliding, inputs: [sliding], key.serde: bytes, value.serde: i64}
        stores:
          - {name: per-window-store, retention.ms: 3600000}
        """

    /// `key@start=value@timestamp` of a record keyed by a time window (key + start, 8 bytes big-endian).
    static func windowed(_ record: KafkaConsumerRecord, long: Bool = true) -> String {
        let key = record.key ?? []
        let value = long ? record.value.map { String(decodeLong($0)) } : record.valueString
        return
            "\(String(decoding: key.dropLast(8), as: UTF8.self))@\(decodeLong(Array(key.suffix(8))))=\(value ?? "null")@\(record.timestamp)"
    }

    static func click(_ key: String, at time: Int64, amount: Int = 1) -> (key: String?, value: [UInt8]?) {
        (key, Array(#"{"ts": \#(time), "amount": \#(amount)}"#.utf8))
    }

    @Test func tumblingHoppingAndSlidingWindowsWithGraceAndFinalResults() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "slides", "updates", "finals", "sums", "sliding"] {
            try cluster.createTopic(topic, partitions: 1)
        }
        // 8000 is out of order inside the grace; 3000 comes after [0, 10000) closed (stream
        // time 16000, grace 5000), but its hopping window [0, 20000) is still open.
        try cluster.produce(
            "clicks",
            [
                Self.click("a", at: 1000, amount: 1), Self.click("a", at: 12000, amount: 2),
                Self.click("a", at: 8000, amount: 4),
                Self.click("a", at: 16000, amount: 8), Self.click("a", at: 3000, amount: 16),
                Self.click("b", at: 18000, amount: 32),
                Self.click("a", at: 30000, amount: 64),
            ])
        // 17000 is out of order; 12000 comes after all its sliding windows closed (stream time
        // 50000, grace 20000).
        try cluster.produce("slides", [20000, 25000, 17000, 50000, 12000, 35000].map { Self.click("a", at: $0) })
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("windows"), cluster: cluster, threads: 1, stateDir: dir.path + "/state",
                topology: Self.topology))
        let config = try AppConfig.load(path: app)
        var updates: [String] = [], finals: [String] = [], sums: [String] = [], sliding: [String] = []
        var dropped = 0
        try runWorker(config) { app in
            updates = try cluster.read("updates", count: 6).map { Self.windowed($0) }
            finals = try cluster.read("finals", count: 3).map { Self.windowed($0) }
            sums = try cluster.read("sums", count: 11).map { Self.windowed($0, long: false) }
            sliding = try cluster.read("sliding", count: 10).map { Self.windowed($0) }
            dropped = app.progress().dropped
        }
        #expect(
            updates == [
                "a@0=1@1000", "a@10000=1@12000", "a@0=2@8000", "a@10000=2@16000", "b@10000=1@18000", "a@30000=1@30000",
            ])
        // One result per window, once stream time reaches its end plus the grace; [30000,
        // 40000) is still open.
        #expect(finals == ["a@0=2@8000", "a@10000=2@16000", "b@10000=1@18000"])
        #expect(
            sums == [
                "a@0=1.0@1000", "a@0=3.0@12000", "a@10000=2.0@12000", "a@0=7.0@12000", "a@0=15.0@16000",
                "a@10000=10.0@16000",
                "a@0=31.0@16000", "b@0=32.0@18000", "b@10000=32.0@18000", "a@20000=64.0@30000", "a@30000=64.0@30000",
            ])
        // A window [t - 10000, t] for every distinct set of records within 10 s, each once:
        // 25000 opens the right window of 20000 ([20001, 30001]); 17000 joins two windows and
        // brings its left one and its right one (holding 20000 and 25000).
        #expect(
            sliding == [
                "a@10000=1@20000", "a@20001=1@25000", "a@15000=2@25000", "a@10000=2@20000", "a@15000=3@25000",
                "a@7000=1@17000",
                "a@17001=2@25000", "a@40000=1@50000", "a@25001=1@35000", "a@25000=2@35000",
            ])
        // 3000 is late for the window [0, 10000) of both counts; 12000 for every sliding window.
        #expect(dropped == 3)
        // The store keeps its windows an hour (retention.ms) behind stream time, and prints
        // each count without the timestamp stored before it (keys are bytes: hex).
        let dump = try ProcessRunner.eddy(["store", "dump", app, "per-window-store"])
        #expect(dump.status == 0, "\(dump.stderr)")
        #expect(
            dump.stdout
                == "0_0\t61\t0\t10000\t2\n0_0\t61\t10000\t20000\t2\n0_0\t61\t30000\t40000\t1\n0_0\t62\t10000\t20000\t1\n"
        )
    }

    /// The final results of `emit: final` through crashes under exactly-once: a worker killed
    /// right after a commit (before its stores checkpoint, so the restart replays the
    /// changelogs, the suppression buffer's included), and one killed with SIGKILL while
    /// windows are open and some have closed. The finals read `read_committed` are exactly
    /// one per closed window, with its count: none lost, none repeated.
    @Test func finalResultsSurviveKillNineExactlyOnce() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "finals"] { try cluster.createTopic(topic, partitions: 2) }
        let keys = ["alpha", "beta", "gamma", "delta", "epsilon", "zeta"]
        // Event i: key i % 6 at i * 500 ms, on partition i % 2: each task has three keys and
        // its own stream time, and 10 events per 10 s window.
        let events = (0..<2400).map { (key: keys[$0 % keys.count], time: Int64($0) * 500, partition: Int32($0 % 2)) }
        var expected: [String: Int] = [:]
        for event in events {
            let start = event.time - event.time % 10_000
            // A task's last window stays open: its stream time never reaches the end.
            guard start + 10_000 <= events.last(where: { $0.partition == event.partition })!.time else { continue }
            expected["\(event.key)@\(start)", default: 0] += 1
        }
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("finals"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 100",
                topology: """
                    sources:
                      - {name: clicks, topics: [clicks], value.serde: json, timestamp.field: ts}
                    processors:
                      - {name: final, type: count, window: {type: tumbling, size.ms: 10000}, emit: final, inputs: [clicks]}
                    sinks:
                      - {name: finals, topic: finals, inputs: [final], key.serde: bytes, value.serde: i64}
                    """))
        func produce(_ range: Range<Int>) throws {
            try cluster.produce("clicks", events[range].map { Self.click($0.key, at: $0.time) }) {
                events[range.lowerBound + $0].partition
            }
        }

        try produce(0..<800)
        let first = try WorkerProcess(
            app: app, instance: "finals", directory: dir,
            environment: ["EDDY_FAULT": "crash-after-commit-before-checkpoint:3"])
        _ = try first.waitUntilKilled()
        try produce(800..<1600)
        let second = try WorkerProcess(app: app, instance: "finals", directory: dir)
        _ = try cluster.read("finals", until: "finals of the second third") { $0.count >= 100 }
        second.crash()
        try produce(1600..<2400)
        let survivor = try WorkerProcess(app: app, instance: "finals", directory: dir)
        let count = expected.count
        let finals = try cluster.read("finals", count: count)
        #expect(try survivor.stop() == 0)

        let got = finals.map { record -> String in
            let key = record.key ?? []
            return
                "\(String(decoding: key.dropLast(8), as: UTF8.self))@\(decodeLong(Array(key.suffix(8))))=\(decodeLong(record.value ?? []))"
        }.sorted()
        #expect(got.count == count, "one final result per closed window")
        #expect(got == expected.map { "\($0.key)=\($0.value)" }.sorted())
        #expect(try cluster.readToEnd("finals").count == count, "no final result after the survivor stopped")
    }

    @Test func windowMistakesAreNamedWithTheFix() {
        let header = "application.id: a\nbootstrap.servers: localhost:9092\nplugins.dir: \(productsDirectory)\n"
        func error(_ processor: String, source: String = "{name: p, topics: [p], value.serde: json}", top: String = "")
            -> String?
        {
            do {
                let yaml =
                    header + top + """
                        topology:
                          sources: [\(source)]
                          processors: [\(processor)]
                          sinks: [{name: o, topic: o, inputs: [w]}]
                        """
                _ = try StreamsApp(config: try AppConfig.parse(yaml: yaml, file: "app.yaml"))
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(
            error("{name: w, type: count, window: {type: tumbling}, inputs: [p]}")
                == "app.yaml:6: topology.processors[0].window.size.ms: is required for tumbling windows — add e.g. `size.ms: 60000`"
        )
        #expect(
            error("{name: w, type: count, window: {type: weekly, size.ms: 1}, inputs: [p]}")
                == "app.yaml:6: topology.processors[0].window.type: 'weekly' is not one of tumbling, hopping, sliding, session"
        )
        #expect(
            error("{name: w, type: count, window: {type: tumbling, size.ms: 100, advance.ms: 10}, inputs: [p]}")?
                .hasPrefix("app.yaml:6: topology.processors[0].window.advance.ms: unknown key") == true)
        #expect(
            error("{name: w, type: count, window: {type: hopping, size.ms: 100, advance.ms: 200}, inputs: [p]}")
                == "app.yaml:6: topology.processors[0].window.advance.ms: 200 is larger than size.ms (100), which would leave gaps between windows — use at most 100"
        )
        #expect(
            error("{name: w, type: count, emit: final, inputs: [p]}")
                == "app.yaml:6: topology.processors[0].emit: `emit: final` gives one result per window, so it needs `window:` — or use `suppress: {until: time.limit, ...}` for a table without windows"
        )
        #expect(
            error("{name: w, type: count, suppress: {until: window.closes}, inputs: [p]}")
                == "app.yaml:6: topology.processors[0].suppress.until: a table without windows has no window to close — use `until: time.limit` with `time.limit.ms:`, or add `window:`"
        )
        #expect(
            error(
                "{name: w, type: count, window: {type: tumbling, size.ms: 10}, suppress: {until: window.closes, max.records: 5, when.full: emit_early}, inputs: [p]}"
            )
                == "app.yaml:6: topology.processors[0].suppress.when.full: emitting early would give a window more than one result — `until: window.closes` takes `when.full: shut_down`"
        )
        #expect(
            error(
                "{name: w, type: reduce, function: Enrich.risk_score, field: amount, window: {type: session, inactivity.gap.ms: 10}, inputs: [p]}"
            )
                == "app.yaml:6: topology.processors[0].window: session windows merge two sessions' aggregates with Enrich.risk_score(a, b), which needs both arguments of one type, but it is f64(f64,str)"
        )
        #expect(
            error(
                "{name: w, type: count, inputs: [p]}", source: "{name: p, topics: [p], timestamp.extractor: Enrich.sum}"
            )
                == "app.yaml:5: topology.sources[0].timestamp.extractor: plugin Enrich exports no stream function sum (its timestamp extractors: purchase-time) — export one with StreamFunction.timestampExtractor"
        )
        #expect(
            error(
                "{name: w, type: count, inputs: [p]}",
                source: "{name: p, topics: [p], timestamp.extractor: WordCount.split-words}")
                == "app.yaml:5: topology.sources[0].timestamp.extractor: WordCount.split-words is a flatMapValues stream function, not a timestampExtractor"
        )
        #expect(
            error("{name: w, type: count, inputs: [p]}", top: "default.timestamp.extractor: yesterday\n")
                == "app.yaml:4: default.timestamp.extractor: 'yesterday' is not `record`, `field:<name>` or `Plugin.function` (a plugin's timestamp extractor, e.g. Fraud.paid_at)"
        )
    }

    /// `key@[start,end]=count@timestamp` of a record keyed by a session (key + end + start).
    static func session(_ record: KafkaConsumerRecord) -> String {
        let key = record.key ?? []
        let end = decodeLong(Array(key.dropLast(8).suffix(8))), start = decodeLong(Array(key.suffix(8)))
        let value = record.value.map { String(decodeLong($0)) } ?? "null"
        return "\(String(decoding: key.dropLast(16), as: UTF8.self))@[\(start),\(end)]=\(value)@\(record.timestamp)"
    }

    /// Session windows from the application file, in the host's session store: sessions merge
    /// when a record bridges them (the old ones retracted), late records are dropped, `emit:
    /// final` gives one result per session once it closes, and a worker started on an empty
    /// state directory restores the sessions from the changelog and extends them.
    @Test func sessionWindowsMergeCloseAndRestore() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "sessions", "session-finals"] { try cluster.createTopic(topic, partitions: 1) }
        let topology = """
            sources:
              - {name: clicks, topics: [clicks], value.serde: json, timestamp.field: ts}
            processors:
              - {name: sessions, type: count, window: {type: session, inactivity.gap.ms: 10000, grace.ms: 30000}, inputs: [clicks]}
              - {name: session-finals, type: count, store: session-final-counts, emit: final,
                 window: {type: session, inactivity.gap.ms: 10000, grace.ms: 30000}, inputs: [clicks]}
            sinks:
              - {name: all, topic: sessions, inputs: [sessions], key.serde: bytes, value.serde: i64}
              - {name: finals, topic: session-finals, inputs: [session-finals], key.serde: bytes, value.serde: i64}
            """
        let id = uniqueName("sessions")
        func config(_ dir: TemporaryDirectory) throws -> AppConfig {
            try AppConfig.parse(
                yaml: appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: topology),
                file: "app.yaml")
        }
        // Times from 1000: librdkafka writes a timestamp of 0 as "now".
        try cluster.produce(
            "clicks",
            [
                Self.click("a", at: 1000), Self.click("a", at: 21000), Self.click("a", at: 11000),
                Self.click("b", at: 16000),
                Self.click("a", at: 46000), Self.click("a", at: 81000), Self.click("a", at: 23000),
                Self.click("b", at: 61000),
            ])
        var dropped = 0
        try runWorker(try config(TemporaryDirectory())) { app in
            _ = try cluster.read("sessions", count: 9)
            dropped = app.progress().dropped
        }
        let firstRun = [
            "a@[1000,1000]=1@1000", "a@[21000,21000]=1@21000",
            // 11000 bridges both sessions: they are retracted, and [1000, 21000] holds all three.
            "a@[1000,1000]=null@1000", "a@[21000,21000]=null@21000", "a@[1000,21000]=3@21000",
            "b@[16000,16000]=1@16000", "a@[46000,46000]=1@46000", "a@[81000,81000]=1@81000",
            // 23000 would extend [1000, 21000], closed since stream time 61000 (gap 10000, grace 30000).
            "b@[61000,61000]=1@61000",
        ]
        #expect(try cluster.readToEnd("sessions").map(Self.session) == firstRun)
        #expect(dropped == 2, "23000 is late for both session counts")
        // [46000, 46000] stays open until stream time passes 86000 (end + gap + grace).
        #expect(
            try cluster.readToEnd("session-finals").map(Self.session) == [
                "b@[16000,16000]=1@16000", "a@[1000,21000]=3@21000",
            ])

        // A new worker with an empty state directory restores the sessions from the changelog.
        try cluster.produce("clicks", [Self.click("a", at: 86000)])
        try runWorker(try config(TemporaryDirectory())) { _ in _ = try cluster.read("sessions", count: 11) }
        #expect(
            try cluster.readToEnd("sessions").map(Self.session) == firstRun + [
                "a@[81000,81000]=null@81000", "a@[81000,86000]=2@86000",
            ])
    }

    /// A plugin's timestamp extractor through `dlopen` (Enrich's `purchase-time`, the JSON
    /// `ts` of a purchase) gives each record its event time; a negative time and a value it
    /// cannot read go to the dead-letter topic with the reason.
    @Test func aPluginTimestampExtractorGivesEventTime() throws {
        let cluster = try Cluster()
        for topic in ["purchases", "purchase-counts"] { try cluster.createTopic(topic, partitions: 1) }
        func purchase(_ time: Int64) -> (key: String?, value: [UInt8]?) {
            ("a", Array(#"{"user":"a","amount":1,"ts":\#(time),"merchant":"m","currency":"EUR","country":"DE"}"#.utf8))
        }
        try cluster.produce(
            "purchases",
            [purchase(1000), purchase(12000), purchase(-7), ("a", Array(#"{"ts": 3}"#.utf8)), purchase(5000)])
        let id = uniqueName("extractor")
        let topology = """
            sources:
              - {name: purchases, topics: [purchases], value.serde: json, timestamp.extractor: Enrich.purchase-time}
            processors:
              - {name: counts, type: count, window: {type: tumbling, size.ms: 10000, grace.ms: 60000}, inputs: [purchases]}
            sinks:
              - {name: out, topic: purchase-counts, inputs: [counts], key.serde: bytes, value.serde: i64}
            """
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, threads: 1, stateDir: dir.path, topology: topology),
            file: "app.yaml")
        var counts: [String] = []
        var letters: [KafkaConsumerRecord] = []
        try runWorker(config) { _ in
            counts = try cluster.read("purchase-counts", count: 3).map { Self.windowed($0) }
            letters = try cluster.read("\(id)-dlq", count: 2)
        }
        #expect(counts == ["a@0=1@1000", "a@10000=1@12000", "a@0=2@5000"])
        func header(_ record: KafkaConsumerRecord, _ name: String) -> String? {
            record.headers.first { $0.key == name }?.value.map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(letters.map { header($0, "eddy.error.node") } == ["purchases", "purchases"])
        #expect(header(letters[0], "eddy.error.reason") == "the timestamp extractor gave a negative event time (-7)")
        #expect(
            header(letters[1], "eddy.error.reason")?.contains("user") == true,
            "the purchase without fields is rejected by its decoder")
    }
}
