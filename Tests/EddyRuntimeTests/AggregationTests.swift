import EddyKafka
import EddyRuntime
import EddyTestSupport
import Testing

/// The built-in stateful operators: `count`, `reduce` and `aggregate` by key, each emitting
/// every key's new value (a KTable's changelog stream) from a changelogged host store.
@Suite struct AggregationTests {
    static let topology = """
        sources:
          - {name: payments, topics: [payments], value.serde: json}
        processors:
          - {name: per-user, type: count, store: payment-counts, inputs: [payments]}
          - {name: total, type: reduce, function: Enrich.sum, field: amount, inputs: [payments]}
          - {name: from-100, type: aggregate, function: Enrich.sum, field: amount, initial: "100", store: balances, inputs: [payments]}
        sinks:
          - {name: counts, topic: counts, inputs: [per-user], value.serde: i64}
          - {name: totals, topic: totals, inputs: [total]}
          - {name: balances, topic: balances, inputs: [from-100]}
        """

    @Test func countReduceAndAggregateEmitEveryKeysNewValue() throws {
        let cluster = try Cluster()
        for topic in ["payments", "counts", "totals", "balances"] { try cluster.createTopic(topic, partitions: 2) }
        let payments: [(key: String?, value: [UInt8]?)] = [
            ("alice", Array(#"{"amount":10.5}"#.utf8)), ("bob", Array(#"{"amount":3}"#.utf8)),
            ("alice", Array(#"{"amount":2}"#.utf8)), ("alice", Array(#"{"amount":0.25}"#.utf8)),
            ("bob", Array(#"{"amount":4}"#.utf8)),
        ]
        try cluster.produce("payments", payments)
        let dir = TemporaryDirectory()
        let id = uniqueName("agg")
        let config = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, stateDir: dir.path, topology: Self.topology), file: "app.yaml")

        func updates(_ topic: String, _ value: (KafkaConsumerRecord) -> String) throws -> [String] {
            try cluster.read(topic, count: 5).map { "\($0.keyString ?? "") \(value($0))" }.sorted()
        }
        var counts: [String] = [], totals: [String] = [], balances: [String] = []
        try runWorker(config) {
            counts = try updates("counts") { String(decodeLong($0.value!)) }
            totals = try updates("totals") { $0.valueString ?? "" }
            balances = try updates("balances") { $0.valueString ?? "" }
        }
        #expect(counts == ["alice 1", "alice 2", "alice 3", "bob 1", "bob 2"])
        #expect(totals == ["alice 10.5", "alice 12.5", "alice 12.75", "bob 3.0", "bob 7.0"])
        #expect(balances == ["alice 110.5", "alice 112.5", "alice 112.75", "bob 103.0", "bob 107.0"])
        // Every store is changelogged: the final value per key is in its changelog topic, as the
        // store keeps it (the aggregate's 8-byte timestamp, then the aggregate).
        let changelog = try cluster.readToEnd(Topology.changelogTopic(id, "balances"))
        let last = Dictionary(
            changelog.map { ($0.keyString ?? "", String(decoding: $0.value!.dropFirst(8), as: UTF8.self)) }
        ) {
            _, new in new
        }
        #expect(last == ["alice": "112.75", "bob": "107.0"])
    }

    @Test func mistakesAreNamed() {
        let header = "application.id: a\nbootstrap.servers: localhost:9092\nplugins.dir: \(productsDirectory)\n"
        func error(_ topology: String) -> String? {
            do {
                // Validates the topology against its plugins and stores; connects to nothing yet.
                _ = try StreamsApp(
                    config: try AppConfig.parse(yaml: header + "topology:\n" + topology, file: "app.yaml"))
                return nil
            } catch {
                return "\(error)"
            }
        }
        #expect(
            error(
                """
                  sources: [{name: p, topics: [p]}]
                  processors: [{name: t, type: reduce, function: Enrich.is_large, field: amount, inputs: [p]}]
                  sinks: [{name: o, topic: o, inputs: [t]}]
                """)
                == "app.yaml:6: topology.processors[0].function: Enrich.is_large is bool(f64), but reduce needs (current, value) -> current, e.g. f64(f64,f64)"
        )
        #expect(
            error(
                """
                  sources: [{name: p, topics: [p]}]
                  processors:
                    - {name: a, type: count, store: s, inputs: [p]}
                    - {name: b, type: count, store: s, inputs: [p]}
                  sinks: [{name: o, topic: o, inputs: [a, b]}]
                """)
                == "app.yaml: topology.processors: store 's' is declared by 'a' and 'b' — each aggregation needs a store of its own"
        )
    }
}
