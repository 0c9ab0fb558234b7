import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Topologies plugins export with the Streams DSL, run by `eddy run` against the embedded
/// broker: the exact records out, under both guarantees.
@Suite struct DSLTopologyTests {
    /// WordCount's DSL word count (flatMapValues, groupBy by word through a repartition topic,
    /// count, toStream) gives exactly what its processors give on the same input.
    @Test(arguments: ["at_least_once", "exactly_once_v2"])
    func dslWordCountGivesTheProcessorAPIsCounts(guarantee: String) throws {
        let cluster = try Cluster()
        try cluster.createTopic("text-input", partitions: 6)
        try cluster.createTopic("word-counts", partitions: 6)
        let input = WordCountCase(lines: 600)
        try cluster.produce("text-input", lines: input.lines, partitions: 6)
        let dir = TemporaryDirectory()
        let id = uniqueName("dslwc")
        // At-least-once is exact only without a rebalance racing a commit: one thread (see WordCountTests).
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: id, cluster: cluster, guarantee: guarantee, threads: guarantee == "exactly_once_v2" ? 2 : 1,
                stateDir: dir.path,
                extra: "commit.interval.ms: 200", topology: "plugin: WordCount"),
            file: "app.yaml")
        var output: [KafkaConsumerRecord] = []
        try runWorker(config) { (app: StreamsApp) in
            #expect(app.topology.internalTopics.map(\.name) == ["\(id)-words-repartition"])
            output = try cluster.read("word-counts", count: input.outputCount)
        }
        #expect(WordCountCase.render(output) == input.expected)
        // The count's store is changelogged: its last value per word (after the count's 8-byte
        // timestamp, as the store keeps it) is the word's total.
        let changelog = try cluster.readToEnd(Topology.changelogTopic(id, "word-counts-dsl"))
        let last = Dictionary(changelog.map { ($0.keyString ?? "", decodeLong(Array($0.value!.dropFirst(8)))) }) {
            _, new in new
        }
        #expect(last == input.totals.mapValues(Int64.init))
    }

    /// The fraud pipeline (filter that rejects, split into three branches, merge of two,
    /// mapValues, groupBy + aggregate into a table, groupBy + count, toStream), with an
    /// application-file node reading one of its branches: exactly what `TopologyTestDriver`
    /// gives (`Plugins/Fraud/Tests`), and the rejected payment dead-lettered with the reason.
    @Test func fraudPipelineBesideAppFileNodes() throws {
        let cluster = try Cluster()
        for topic in ["payments", "fraud-alerts", "spend-by-user", "payments-per-country", "enriched-payments"] {
            try cluster.createTopic(topic, partitions: 3)
        }
        try cluster.produce("payments", FraudCase.records) { FraudCase.partition(of: $0) }
        let dir = TemporaryDirectory()
        let id = uniqueName("fraud")
        let topology = """
            plugin: Fraud
            processors:
              - {name: enrich, plugin: Enrich, processor: enrich, inputs: [risk-normal]}
            sinks:
              - {name: enriched, topic: enriched-payments, inputs: [enrich], value.serde: json}
            """
        let config = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, stateDir: dir.path, topology: topology), file: "app.yaml")
        var outputs: [String: [KafkaConsumerRecord]] = [:]
        try runWorker(config) {
            outputs["alerts"] = try cluster.read("fraud-alerts", count: 3)
            outputs["spend"] = try cluster.read("spend-by-user", count: 6)
            outputs["countries"] = try cluster.read("payments-per-country", count: 6)
            outputs["enriched"] = try cluster.read("enriched-payments", count: 3)
            outputs["dlq"] = try cluster.read("\(id)-dlq", count: 1)
        }
        #expect(
            outputs["alerts"]!.map(FraudCase.render).sorted() == [
                #"p2 {"amount":1500,"id":"p2","reason":"review: amount 1500.0 is at least 1000.0","user":"bob"}"#,
                #"p3 {"amount":60,"id":"p3","reason":"review: country BR is watched","user":"ann"}"#,
                #"p7 {"amount":5000,"id":"p7","reason":"block: amount 5000.0 is at least 1000.0, country JP is watched","user":"cy"}"#,
            ])
        // Each user's payments share an input partition, so their running totals come in order.
        #expect(
            FraudCase.perKey(outputs["spend"]!) == [
                "ann": [#"{"payments":1,"total":40}"#, #"{"payments":2,"total":100}"#, #"{"payments":3,"total":200}"#],
                "bob": [#"{"payments":1,"total":1500}"#, #"{"payments":2,"total":1510}"#],
                "cy": [#"{"payments":1,"total":5000}"#],
            ])
        #expect(
            outputs["countries"]!.map { "\($0.keyString!):\(decodeLong($0.value!))" }.sorted() == [
                "BR:1", "DE:1", "DE:2", "JP:1", "NL:1", "NL:2",
            ])
        #expect(outputs["enriched"]!.map { $0.keyString! }.sorted() == ["p1", "p5", "p6"])
        let letter = try #require(outputs["dlq"]?.first)
        #expect(letter.keyString == "p4")
        let headers = Dictionary(letter.headers.map { ($0.key, String(decoding: $0.value ?? [], as: UTF8.self)) }) {
            $1
        }
        #expect(headers["eddy.error.kind"] == "processor")
        #expect(headers["eddy.error.reason"] == "amount -5.0 is not positive")
        #expect(headers["eddy.error.node"] == "valid")
        #expect(headers["eddy.error.plugin"]?.hasPrefix("fraud 1.0.0+") == true)
    }

    /// The application file's own operators of the same kinds: a plugin's stream functions
    /// (flat_map_values, group_by), branch on a typed function, merge, group_by on a JSON field.
    @Test func appFileStreamOperatorsCompileToTheSameForm() throws {
        let cluster = try Cluster()
        for topic in ["text-input", "word-counts", "payments", "large", "country-counts", "loud-lines"] {
            try cluster.createTopic(topic, partitions: 3)
        }
        let input = WordCountCase(lines: 120)
        try cluster.produce("text-input", lines: input.lines, partitions: 3)
        try cluster.produce("payments", FraudCase.records) { FraudCase.partition(of: $0) }
        let dir = TemporaryDirectory()
        let topology = """
            sources:
              - {name: lines, topics: [text-input]}
              - {name: payments, topics: [payments], value.serde: json}
            processors:
              - {name: words, type: flat_map_values, function: WordCount.split-words, inputs: [lines]}
              - {name: loud, type: map_values, function: Uppercase.upper, inputs: [lines]}
              - {name: by-word, type: group_by, function: WordCount.word-key, inputs: [words]}
              - {name: counts, type: count, inputs: [by-word]}
              - name: size
                type: branch
                inputs: [payments]
                branches: [{name: large, function: Enrich.is_large, fields: [amount]}, {name: small}]
              - {name: all, type: merge, inputs: [large, small]}
              - {name: by-country, type: group_by, field: country, inputs: [all]}
              - {name: per-country, type: count, inputs: [by-country]}
            sinks:
              - {name: word-out, topic: word-counts, inputs: [counts], value.serde: i64}
              - {name: large-out, topic: large, inputs: [large], value.serde: json}
              - {name: country-out, topic: country-counts, inputs: [per-country], value.serde: i64}
              - {name: loud-out, topic: loud-lines, inputs: [loud]}
            """
        let id = uniqueName("ops")
        let config = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, stateDir: dir.path, topology: topology), file: "app.yaml")
        var words: [KafkaConsumerRecord] = [], large: [KafkaConsumerRecord] = [], countries: [KafkaConsumerRecord] = []
        var loud: [KafkaConsumerRecord] = []
        try runWorker(config) { (app: StreamsApp) in
            #expect(
                app.topology.internalTopics.map(\.name) == [
                    "\(id)-by-word-repartition", "\(id)-by-country-repartition",
                ])
            words = try cluster.read("word-counts", count: input.outputCount)
            large = try cluster.read("large", count: 5)
            countries = try cluster.read("country-counts", count: 7)
            loud = try cluster.read("loud-lines", count: input.lines.count)
        }
        // A stream function written in plain C (Uppercase.upper), called by an app-file node.
        #expect(loud.map { $0.valueString ?? "" }.sorted() == input.lines.map { $0.uppercased() }.sorted())
        #expect(WordCountCase.render(words) == input.expected)
        // is_large: amount > 10 (p4's -5 and p5's 10 are small).
        #expect(large.map { $0.keyString! }.sorted() == ["p1", "p2", "p3", "p6", "p7"])
        #expect(
            countries.map { "\($0.keyString!):\(decodeLong($0.value!))" }.sorted() == [
                "BR:1", "DE:1", "DE:2", "JP:1", "NL:1", "NL:2", "NL:3",
            ])
    }
}

/// The payments of the fraud tests (those of `Plugins/Fraud/Tests`), keyed by id and placed
/// so that each user's payments share a partition.
enum FraudCase {
    static let payments: [(id: String, user: String, amount: String, country: String)] = [
        ("p1", "ann", "40", "NL"), ("p2", "bob", "1500", "DE"), ("p3", "ann", "60", "BR"), ("p4", "cy", "-5", "NL"),
        ("p5", "bob", "10", "NL"), ("p6", "ann", "100", "DE"), ("p7", "cy", "5000", "JP"),
    ]

    static var records: [(key: String?, value: [UInt8]?)] {
        payments.map { p in
            (
                p.id,
                Array(#"{"id":"\#(p.id)","user":"\#(p.user)","amount":\#(p.amount),"country":"\#(p.country)"}"#.utf8)
            )
        }
    }

    static func partition(of index: Int) -> Int32 {
        ["ann": 0, "bob": 1, "cy": 2][payments[index].user]!
    }

    static func render(_ record: KafkaConsumerRecord) -> String {
        "\(record.keyString ?? "null") \(record.valueString ?? "null")"
    }

    /// Values per key, in arrival order.
    static func perKey(_ records: [KafkaConsumerRecord]) -> [String: [String]] {
        Dictionary(grouping: records, by: { $0.keyString ?? "" }).mapValues { $0.map { $0.valueString ?? "" } }
    }
}
