import EddyRuntime
import Foundation
import Testing

/// Every mistake in an application file gets an error naming the file, line, key and fix.
@Suite struct AppConfigTests {
    static let header = """
        application.id: shop
        bootstrap.servers: localhost:9092
        plugins.dir: \(productsDirectory)

        """

    func error(_ yaml: String) -> AppConfigError? {
        do {
            let config = try AppConfig.parse(yaml: yaml, file: "app.yaml")
            _ = try Topology.build(config, plugins: try PluginSet.load(for: config))
            return nil
        } catch let error as AppConfigError {
            return error
        } catch {
            Issue.record("unexpected error: \(error)")
            return nil
        }
    }

    @Test func unknownKeySuggestsTheKnownOne() {
        #expect(
            error(Self.header + "num.stream.thread: 2\n")?.description == """
                app.yaml:4: num.stream.thread: unknown key — did you mean 'num.stream.threads'? (known keys here: application.id, bootstrap.servers, processing.guarantee, num.stream.threads, commit.interval.ms, state.dir, plugins.dir, instance.id, default.deserialization.exception.handler, dead.letter.topic, transaction.timeout.ms, cache.max.bytes.buffering, rocksdb.memory.mb, plugin.version.header, plugins.watch, static.membership, default.timestamp.extractor, buffered.records.per.partition, max.task.idle.ms, kafka, topology, application.server, application.server.bind, processing.exception.handler, default.production.exception.handler, uncaught.exception.handler, replication.factor, state.cleanup.delay.ms, metrics.recording.level, plugins, plugin.timeout.ms, plugin.max.restarts, plugin.restart.window.ms)
                """)
    }

    @Test func inputOrderingKeysDefaultAsKafkaStreamsAndExplainBadValues() throws {
        let topology =
            "topology:\n  sources: [{name: in, topics: [a]}]\n  sinks: [{name: out, topic: b, inputs: [in]}]\n"
        let defaults = try AppConfig.parse(yaml: Self.header + topology, file: "app.yaml")
        #expect(defaults.bufferedRecordsPerPartition == 1000)
        #expect(defaults.maxTaskIdleMs == 0)
        let set = try AppConfig.parse(
            yaml: Self.header + "buffered.records.per.partition: 50\nmax.task.idle.ms: -1\n" + topology,
            file: "app.yaml")
        #expect(set.bufferedRecordsPerPartition == 50)
        #expect(set.maxTaskIdleMs == -1)
        #expect(
            error(Self.header + "max.task.idle.ms: -2\n" + topology)?.description == """
                app.yaml:4: max.task.idle.ms: '-2' is not -1 (never wait for an empty input partition) or a wait in milliseconds in 0...86400000 (default 0: wait only for records already on the brokers)
                """)
        #expect(
            error(Self.header + "buffered.records.per.partition: 0\n" + topology)?.description == """
                app.yaml:4: buffered.records.per.partition: '0' is not a record count in 1...1000000 — the records a task buffers per input partition before pausing it (default 1000)
                """)
    }

    @Test func missingPluginNamesTheDirectory() {
        let yaml =
            Self.header + """
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: p, plugin: NoSuchPlugin, processor: x, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [p]}]
                """
        #expect(
            error(yaml)?.description == """
                app.yaml:6: topology.processors[0].plugin: plugin 'NoSuchPlugin' not found in plugins.dir \(productsDirectory) (looked for libNoSuchPlugin.so and NoSuchPlugin.so) — build it or fix plugins.dir
                """)
    }

    @Test func unknownProcessorListsTheOnesThePluginOffers() {
        let yaml =
            Self.header + """
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: p, plugin: WordCount, processor: wordcount, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [p]}]
                """
        #expect(
            error(yaml)?.description == """
                app.yaml:6: topology.processors[0].processor: plugin 'WordCount' has no processor 'wordcount' (it offers: word-count, split, count, activity, passthrough, windowed-count, session-count)
                """)
    }

    @Test func cycleIsShownNodeByNode() {
        let yaml =
            Self.header + """
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors:
                    - {name: p1, plugin: WordCount, processor: split, inputs: [in, p2]}
                    - {name: p2, plugin: WordCount, processor: split, inputs: [p1]}
                  sinks: [{name: out, topic: b, inputs: [p2]}]
                """
        #expect(
            error(yaml)?.description == """
                app.yaml:7: topology.processors[0].inputs: the graph has a cycle: p1 -> p2 -> p1 — a processor cannot read its own output; use a topic in between
                """)
    }

    @Test func storeDeclaredTwice() {
        let yaml =
            Self.header + """
                topology:
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: p, plugin: WordCount, processor: word-count, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [p]}]
                  stores:
                    - {name: counts, persistent: true}
                    - {name: counts, persistent: false}
                """
        #expect(
            error(yaml)?.description == """
                app.yaml:10: topology.stores[1].name: store 'counts' is declared twice (first at topology.stores[0]) — declare each store once
                """)
    }

    @Test func badValuesNameTheAllowedOnes() {
        #expect(
            error(Self.header + "processing.guarantee: exactly_once\n")?.description == """
                app.yaml:4: processing.guarantee: 'exactly_once' is not one of at_least_once, exactly_once_v2
                """)
        #expect(
            error("bootstrap.servers: embedded\n")?.description == """
                app.yaml:1: application.id: is required — add e.g. `application.id: wordcount`
                """)
        #expect(
            error(
                Self.header
                    + "topology:\n  sources: [{name: in, topics: [a]}]\n  sinks: [{name: out, topic: b, inputs: [nope]}]\n"
            )?.description == """
                app.yaml:6: topology.sinks[0].inputs: unknown input 'nope' (inputs must be sources or processors)
                """)
    }

    @Test func serdesHaveTheSDKsNamesAndKafkaStreamsNamesAreRefusedWithTheFix() {
        let topology =
            "topology:\n  sources: [{name: in, topics: [a]}]\n  sinks: [{name: out, topic: b, inputs: [in], value.serde: %@}]\n"
        func sink(_ serde: String) -> String { Self.header + topology.replacingOccurrences(of: "%@", with: serde) }
        #expect(error(sink("i64")) == nil)
        #expect(
            error(sink("long"))?.description == """
                app.yaml:6: topology.sinks[0].value.serde: 'long' is not an Eddy serde name: write i64 (the names are bytes, string, json, i64, i32, u64, f64)
                """)
        #expect(
            error(sink("Integer"))?.description == """
                app.yaml:6: topology.sinks[0].value.serde: 'Integer' is not an Eddy serde name: write i32 (the names are bytes, string, json, i64, i32, u64, f64)
                """)
        #expect(
            error(sink("avro"))?.description == """
                app.yaml:6: topology.sinks[0].value.serde: 'avro' is not one of bytes, string, json, i64, i32, u64, f64
                """)
    }

    @Test func staticMembershipIsAnOptionAndGroupInstanceIdIsNotSetByHand() throws {
        let topology =
            "topology:\n  sources: [{name: in, topics: [a]}]\n  sinks: [{name: out, topic: b, inputs: [in]}]\n"
        #expect(try AppConfig.parse(yaml: Self.header + topology, file: "app.yaml").staticMembership == false)
        #expect(
            try AppConfig.parse(yaml: Self.header + "static.membership: true\n" + topology, file: "app.yaml")
                .staticMembership == true)
        #expect(
            error(Self.header + "kafka:\n  group.instance.id: w1\n" + topology)?.description == """
                app.yaml:5: kafka.group.instance.id: cannot be set here: every stream thread needs an id of its own — set `static.membership: true` and each thread gets <application.id>-<instance.id>-<thread>
                """)
    }

    @Test func describeShowsSubTopologiesSplitAtTheRepartitionTopic() throws {
        let config = try AppConfig.parse(
            yaml: Self.header + "topology:\n"
                + WordCountCase.topology.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"),
            file: "app.yaml")
        let plugins = try PluginSet.load(for: config)
        let topology = try Topology.build(config, plugins: plugins)
        #expect(
            topology.describe(stores: plugins.storesByNode(topology)) == """
                Topologies:
                   Sub-topology: 0
                    Source: lines (topics: [text-input])
                      --> split
                    Processor: split (plugin: WordCount.split) (stores: [])
                      --> by-word-sink
                      <-- lines
                    Sink: by-word-sink (topic: shop-by-word-repartition)
                      <-- split
                   Sub-topology: 1
                    Source: by-word (topics: [shop-by-word-repartition])
                      --> count
                    Processor: count (plugin: WordCount.count) (stores: [key-counts])
                      --> out
                      <-- by-word
                    Sink: out (topic: word-counts)
                      <-- count
                """)
        #expect(topology.internalTopics.map(\.name) == ["shop-by-word-repartition"])
        #expect(topology.internalTopics.map(\.subTopology) == [1])
    }
}

/// Mistakes in the nodes that call a plugin's functions or run its topology.
@Suite struct TopologyConfigErrorTests {
    static let header = AppConfigTests.header

    func error(_ topology: String) -> String? {
        do {
            let config = try AppConfig.parse(yaml: Self.header + "topology:\n" + topology, file: "app.yaml")
            _ = try Topology.build(config, plugins: try PluginSet.load(for: config))
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func aStreamOperatorNeedsAStreamFunction() {
        #expect(
            error(
                """
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: w, type: flat_map_values, function: Enrich.is_large, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [w]}]
                """)
                == "app.yaml:6: topology.processors[0].function: Enrich.is_large is a typed function; a flat_map_values node calls a stream function (export one with StreamFunction.flatMapValues)"
        )
        #expect(
            error(
                """
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: w, type: filter, function: WordCount.split-words, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [w]}]
                """)
                == "app.yaml:6: topology.processors[0].function: WordCount.split-words is a flatMapValues stream function, but a filter node calls a filter function"
        )
        #expect(
            error(
                """
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: w, type: map, function: WordCount.nope, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [w]}]
                """)
                == "app.yaml:6: topology.processors[0].function: plugin WordCount exports no stream function nope (it exports: split-words, word-key)"
        )
    }

    @Test func branchesAndGroupBySayWhatTheyNeed() {
        #expect(
            error(
                """
                  sources: [{name: in, topics: [a]}]
                  processors:
                    - {name: s, type: branch, inputs: [in], branches: [{name: rest}, {name: big, function: Enrich.is_large, fields: [amount]}]}
                  sinks: [{name: out, topic: b, inputs: [big]}]
                """)
                == "app.yaml:7: topology.processors[0].branches[0].function: only the last branch may go without a function (it takes the records no other branch took)"
        )
        #expect(
            error(
                """
                  sources: [{name: in, topics: [a]}]
                  processors:
                    - {name: s, type: branch, inputs: [in], branches: [{name: big, function: Enrich.is_large, fields: [amount]}, {name: rest}]}
                    - {name: x, type: merge, inputs: [s]}
                  sinks: [{name: out, topic: b, inputs: [x]}]
                """)
                == "app.yaml:8: topology.processors[1].inputs: 'x' reads the split 's' directly — read one of its branches (big, rest)"
        )
        #expect(
            error(
                """
                  sources: [{name: in, topics: [a]}]
                  processors: [{name: g, type: group_by, inputs: [in]}]
                  sinks: [{name: out, topic: b, inputs: [g]}]
                """)
                == "app.yaml:6: topology.processors[0].field: give either `field:` (a JSON field of the value) or `function:` (a plugin's stream function), not neither"
        )
    }

    @Test func aTopicReadTwiceIsRefused() {
        #expect(
            error(
                """
                  plugin: Fraud
                  sources: [{name: again, topics: [payments]}]
                  sinks: [{name: out, topic: b, inputs: [again]}]
                """)
                == "app.yaml:6: topology.sources[0]: topic 'payments' is read by both 'payments' and 'again' — read each topic with one source and use its output twice"
        )
    }

    @Test func topicsOfAPluginTopologyAreRenamed() throws {
        let config = try AppConfig.parse(
            yaml: Self.header
                + "topology:\n  plugin: Enrich\n  topics: {payments: shop-payments, payments-in-cents: shop-cents}\n",
            file: "app.yaml")
        let topology = try Topology.build(config, plugins: try PluginSet.load(for: config))
        #expect(topology.sourceTopics == ["shop-payments"])
        #expect(topology.subTopologies[0].sinkTopics == ["shop-cents"])
        #expect(
            error("  plugin: Enrich\n  topics: {payment: shop-payments}\n")
                == "app.yaml:5: topology.topics.payment: the topology of 'Enrich' uses no topic 'payment' — did you mean 'payments'? (it uses: payments, payments-in-cents)"
        )
    }

    @Test func describePrintsAPluginTopologyBesideAppFileNodes() throws {
        let config = try AppConfig.parse(
            yaml: Self.header
                + "topology:\n  plugin: WordCount\n  sinks: [{name: raw, topic: raw-lines, inputs: [lines]}]\n",
            file: "app.yaml")
        let plugins = try PluginSet.load(for: config)
        #expect(
            try Topology.build(config, plugins: plugins).describe(
                stores: plugins.storesByNode(try Topology.build(config, plugins: plugins))) == """
                    Topologies:
                       Sub-topology: 0
                        Source: lines (topics: [text-input])
                          --> split, raw
                        Processor: split (flatMapValues: WordCount.split) (stores: [])
                          --> KSTREAM-KEY-SELECT-0000000000
                          <-- lines
                        Processor: KSTREAM-KEY-SELECT-0000000000 (selectKey: WordCount.KSTREAM-KEY-SELECT-0000000000) (stores: [])
                          --> words-sink
                          <-- split
                        Sink: words-sink (topic: shop-words-repartition)
                          <-- KSTREAM-KEY-SELECT-0000000000
                        Sink: raw (topic: raw-lines)
                          <-- lines
                       Sub-topology: 1
                        Source: words (topics: [shop-words-repartition])
                          --> count
                        Processor: count (count) (stores: [word-counts-dsl])
                          --> counts
                          <-- words
                        Processor: counts (passthrough) (stores: [])
                          --> out
                          <-- count
                        Sink: out (topic: word-counts)
                          <-- counts
                    """)
    }
}
