import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// A foreign-key table join declared in the application file (`foreign.key.field:`), through
/// a real worker, a real broker and RocksDB: orders (left) name their customer (right) in a
/// JSON field; updates and deletions on both sides, one step at a time, give Kafka Streams'
/// results exactly, for the left and the inner join.
@Suite struct ForeignKeyJoinAppTests {
    @Test func updatesAndDeletionsOfBothSidesGiveExactResults() throws {
        let cluster = try Cluster()
        for topic in ["orders", "customers", "customers-seen", "orders-left", "orders-inner"] {
            try cluster.createTopic(topic, partitions: 1)
        }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("fk-app"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50",
                topology: """
                    tables:
                      - {name: orders, topic: orders, value.serde: json}
                      - {name: customers, topic: customers, value.serde: json}
                    processors:
                      - {name: with-customer, type: join, join: left, inputs: [orders, customers], foreign.key.field: customer.id}
                      - {name: with-known-customer, type: join, inputs: [orders, customers], foreign.key.field: customer.id}
                    sinks:
                      - {name: seen, topic: customers-seen, inputs: [customers], value.serde: json}
                      - {name: left, topic: orders-left, inputs: [with-customer], value.serde: json}
                      - {name: inner, topic: orders-inner, inputs: [with-known-customer], value.serde: json}
                    """),
            file: "app.yaml")
        func order(_ id: String, _ customer: String, _ item: String) -> (key: String?, value: [UInt8]?) {
            (id, Array(#"{"customer":{"id":"\#(customer)"},"item":"\#(item)"}"#.utf8))
        }
        func customer(_ id: String, _ name: String?) -> (key: String?, value: [UInt8]?) {
            (id, name.map { Array(#"{"name":"\#($0)"}"#.utf8) })
        }
        var left: [String] = [], inner: [String] = []
        try runWorker(config) {
            var seen = 0, leftCount = 0
            /// Produces `records`, waits for the customers' changelog to show them and for
            /// `leftResults` more left-join results.
            func step(_ topic: String, _ records: [(key: String?, value: [UInt8]?)], leftResults: Int) throws {
                try cluster.produce(topic, records)
                if topic == "customers" {
                    seen += records.count
                    _ = try cluster.read("customers-seen", count: seen)
                }
                leftCount += leftResults
                if leftResults > 0 { _ = try cluster.read("orders-left", count: leftCount) }
            }
            try step("customers", [customer("c1", "Ada")], leftResults: 0)
            try step("orders", [order("o1", "c1", "tea")], leftResults: 1)
            try step("orders", [order("o2", "c2", "jam")], leftResults: 1)
            try step("customers", [customer("c2", "Grace")], leftResults: 1)
            try step("customers", [customer("c1", "Ada L")], leftResults: 1)
            try step("orders", [order("o1", "c2", "tea")], leftResults: 1)
            try step("customers", [customer("c1", nil)], leftResults: 0)
            try step("customers", [customer("c2", nil)], leftResults: 2)
            try step("orders", [("o2", nil)], leftResults: 1)
            left = try cluster.read("orders-left", count: leftCount).map(render)
            inner = try cluster.read("orders-inner", until: "the last order's retraction") {
                $0.last?.key == Array("o2".utf8) && $0.last?.value == nil
            }
            .map(render)
        }
        let tea1 = #"{"customer":{"id":"c1"},"item":"tea"}"#, tea2 = #"{"customer":{"id":"c2"},"item":"tea"}"#
        let jam = #"{"customer":{"id":"c2"},"item":"jam"}"#
        #expect(
            left == [
                #"o1 {"left":\#(tea1),"right":{"name":"Ada"}}"#,
                #"o2 {"left":\#(jam),"right":null}"#,
                #"o2 {"left":\#(jam),"right":{"name":"Grace"}}"#,
                #"o1 {"left":\#(tea1),"right":{"name":"Ada L"}}"#,
                #"o1 {"left":\#(tea2),"right":{"name":"Grace"}}"#,
                #"o1 {"left":\#(tea2),"right":null}"#,
                #"o2 {"left":\#(jam),"right":null}"#,
                "o2 null",
            ])
        // The inner join retracts (a tombstone) where the left join keeps the order with a
        // null customer, as Kafka Streams' subscription resolver does.
        #expect(
            inner == [
                #"o1 {"left":\#(tea1),"right":{"name":"Ada"}}"#,
                "o2 null",
                #"o2 {"left":\#(jam),"right":{"name":"Grace"}}"#,
                #"o1 {"left":\#(tea1),"right":{"name":"Ada L"}}"#,
                #"o1 {"left":\#(tea2),"right":{"name":"Grace"}}"#,
                "o1 null",
                "o2 null",
                "o2 null",
            ])
    }

    /// KIP-962: a left join's order without a customer (no `customer.id`) is joined with null
    /// at once, and again when it loses its customer; the inner join skips it, and retracts its
    /// result (a tombstone) when the order loses its customer.
    @Test func aLeftJoinEntryWithoutAForeignKeyIsJoinedWithNull() throws {
        let cluster = try Cluster()
        for topic in ["orders", "customers", "customers-seen", "orders-left", "orders-inner"] {
            try cluster.createTopic(topic, partitions: 1)
        }
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("fk-null"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 50",
                topology: """
                    tables:
                      - {name: orders, topic: orders, value.serde: json}
                      - {name: customers, topic: customers, value.serde: json}
                    processors:
                      - {name: with-customer, type: join, join: left, inputs: [orders, customers], foreign.key.field: customer.id}
                      - {name: with-known-customer, type: join, inputs: [orders, customers], foreign.key.field: customer.id}
                    sinks:
                      - {name: seen, topic: customers-seen, inputs: [customers], value.serde: json}
                      - {name: left, topic: orders-left, inputs: [with-customer], value.serde: json}
                      - {name: inner, topic: orders-inner, inputs: [with-known-customer], value.serde: json}
                    """),
            file: "app.yaml")
        func order(_ json: String) -> [(key: String?, value: [UInt8]?)] { [("o3", Array(json.utf8))] }
        var left: [String] = [], inner: [String] = []
        try runWorker(config) {
            try cluster.produce("customers", [("c1", Array(#"{"name":"Ada"}"#.utf8))])
            _ = try cluster.read("customers-seen", count: 1)
            try cluster.produce("orders", order(#"{"item":"pen"}"#))
            _ = try cluster.read("orders-left", count: 1)
            try cluster.produce("orders", order(#"{"customer":{"id":"c1"},"item":"ink"}"#))
            _ = try cluster.read("orders-left", count: 2)
            try cluster.produce("orders", order(#"{"item":"cap"}"#))
            left = try cluster.read("orders-left", count: 3).map(render)
            inner = try cluster.read("orders-inner", count: 2).map(render)
        }
        #expect(
            left == [
                #"o3 {"left":{"item":"pen"},"right":null}"#,
                #"o3 {"left":{"customer":{"id":"c1"},"item":"ink"},"right":{"name":"Ada"}}"#,
                #"o3 {"left":{"item":"cap"},"right":null}"#,
            ])
        #expect(inner == [#"o3 {"left":{"customer":{"id":"c1"},"item":"ink"},"right":{"name":"Ada"}}"#, "o3 null"])
    }

    private func render(_ record: KafkaConsumerRecord) -> String {
        "\(String(decoding: record.key ?? [], as: UTF8.self)) \(record.value.map { String(decoding: $0, as: UTF8.self) } ?? "null")"
    }
}
