import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `filter` and `map_values` calling a plugin's typed functions through libffi on JSON fields,
/// `select_key` and a `repartition`: the exact output records.
@Suite struct BuiltinOperatorTests {
    static let topology = """
        sources:
          - name: payments
            topics: [payments]
            value.serde: json
        processors:
          - name: large
            type: filter
            function: Enrich.is_large
            fields: [amount]
            inputs: [payments]
          - name: cents
            type: map_values
            function: Enrich.amount_cents
            fields: [amount]
            output.field: amount_cents
            inputs: [large]
          - name: by-user
            type: select_key
            field: user
            inputs: [cents]
          - name: rekeyed
            type: repartition
            partitions: 3
            inputs: [by-user]
        sinks:
          - name: out
            topic: large-payments
            inputs: [rekeyed]
            value.serde: json
        """

    @Test func filterMapSelectKeyAndRepartitionGiveExactRecords() throws {
        let cluster = try Cluster()
        try cluster.createTopic("payments", partitions: 4)
        try cluster.createTopic("large-payments", partitions: 3)
        let payments = (0..<40).map { i in #"{"amount":\#(Double(i) * 0.75),"user":"u\#(i % 5)"}"# }
        try cluster.produce("payments", payments.map { (nil, Array($0.utf8)) }) { Int32($0 % 4) }
        let dir = TemporaryDirectory()
        let app = try AppConfig.parse(
            yaml: appYAML(id: uniqueName("pay"), cluster: cluster, stateDir: dir.path, topology: Self.topology),
            file: "app.yaml")

        // Amounts 0.75 * i above 10: i = 14...39.
        // map_values keeps the value's bytes as they were and appends the new field.
        let expected = (14..<40).map { i in
            "u\(i % 5)|" + #"{"amount":\#(Double(i) * 0.75),"user":"u\#(i % 5)","amount_cents":\#(i * 75)}"#
        }.sorted()
        var output: [KafkaConsumerRecord] = []
        try runWorker(app) { output = try cluster.read("large-payments", count: expected.count) }
        #expect(output.map { "\($0.keyString ?? "null")|\($0.valueString ?? "null")" }.sorted() == expected)
        // Repartitioned by the new key: every record of a user sits in one partition.
        let partitionsPerUser = Dictionary(grouping: output, by: { $0.keyString ?? "" }).mapValues {
            Set($0.map(\.partition))
        }
        #expect(partitionsPerUser.count == 5)
        #expect(partitionsPerUser.values.allSatisfy { $0.count == 1 })
    }

    @Test func undecodableRecordsGoToTheDeadLetterTopicWithReasonsAndTheRunContinues() throws {
        let cluster = try Cluster()
        try cluster.createTopic("payments", partitions: 1)
        try cluster.createTopic("large-payments", partitions: 3)
        let records: [(key: String?, value: [UInt8]?)] = [
            ("a", Array(#"{"amount":50,"user":"u1"}"#.utf8)),
            ("b", Array("not json".utf8)),
            ("c", Array(#"{"amount":70}"#.utf8)),
            ("d", Array(#"{"amount":90,"user":"u2"}"#.utf8)),
        ]
        try cluster.produce("payments", records) { _ in 0 }
        let dir = TemporaryDirectory()
        let id = uniqueName("dlq")
        let app = try AppConfig.parse(
            yaml: appYAML(id: id, cluster: cluster, stateDir: dir.path, topology: Self.topology), file: "app.yaml")

        var output: [KafkaConsumerRecord] = []
        var dead: [KafkaConsumerRecord] = []
        var failed = -1
        try runWorker(app) { worker in
            output = try cluster.read("large-payments", count: 2)
            dead = try cluster.read("\(id)-dlq", count: 2)
            failed = worker.progress().failed
        }
        #expect(failed == 2)
        #expect(output.compactMap(\.keyString).sorted() == ["u1", "u2"])
        #expect(dead.map(\.keyString) == ["b", "c"])
        #expect(dead.map(\.valueString) == ["not json", #"{"amount":70}"#])
        let headers = dead.map {
            Dictionary($0.headers.map { ($0.key, String(decoding: $0.value ?? [], as: UTF8.self)) }) { a, _ in a }
        }
        #expect(
            headers[0] == [
                "eddy.error.kind": "deserialization",
                "eddy.error.reason": "value is not valid JSON (value.serde: json)",
                "eddy.error.topic": "payments", "eddy.error.partition": "0", "eddy.error.offset": "1",
                "eddy.error.node": "payments",
            ])
        #expect(
            headers[1] == [
                "eddy.error.kind": "processor", "eddy.error.reason": "the value has no field 'user' to use as the key",
                "eddy.error.topic": "payments", "eddy.error.partition": "0", "eddy.error.offset": "2",
                "eddy.error.node": "by-user",
            ])
    }
}
