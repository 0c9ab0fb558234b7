import EddyEngine
import EddySDK
import EddyTestKit
import Testing

@Suite struct TopologyTestDriverTests {
    @Test func wordCountRepartitionsByWordAndCounts() throws {
        let driver = try TopologyTestDriver(DSLWordCount.self)
        let lines = driver.inputTopic("text-input", key: .bytes, value: .string)
        try lines.pipe(value: "The cat and the hat", timestamp: 10)
        try lines.pipe(value: "the end", timestamp: 20)
        let counts = driver.outputTopic("word-counts", key: .string, value: .int64)
        #expect(
            try counts.readRecords() == [
                TestRecord(key: "the", value: 1, timestamp: 10), TestRecord(key: "cat", value: 1, timestamp: 10),
                TestRecord(key: "and", value: 1, timestamp: 10), TestRecord(key: "the", value: 2, timestamp: 10),
                TestRecord(key: "hat", value: 1, timestamp: 10), TestRecord(key: "the", value: 3, timestamp: 20),
                TestRecord(key: "end", value: 1, timestamp: 20),
            ])
        #expect(
            try driver.keyValueStore("word-counts", key: .string, value: .int64) == [
                KeyValue("and", 1), KeyValue("cat", 1), KeyValue("end", 1), KeyValue("hat", 1), KeyValue("the", 3),
            ])
        #expect(driver.topology.internalTopics.map(\.name) == ["test-app-by-word-repartition"])
        #expect(driver.topology.subTopologies.count == 2)
    }

    @Test func branchesMergeMapsAndAggregates() throws {
        let driver = try TopologyTestDriver(DSLOperators.self)
        let payments = driver.inputTopic("payments", key: .string, value: .json(Payment.self))
        try payments.pipe(key: "p1", value: Payment(id: "p1", user: "ann", amount: 1500), timestamp: 1)
        try payments.pipe(key: "p2", value: Payment(id: "p2", user: "bob", amount: 250), timestamp: 2)
        try payments.pipe(key: "p3", value: Payment(id: "p3", user: "ann", amount: 7), timestamp: 3)
        try payments.pipe(key: "p4", value: Payment(id: "p4", user: "cy", amount: 0), timestamp: 4)
        try payments.pipe(key: "p5", value: Payment(id: "boom", user: "bob", amount: 1), timestamp: 5)

        #expect(
            try driver.outputTopic("large", key: .string, value: .string).readKeyValues() == [
                KeyValue("p1", "p1 large")
            ])
        #expect(
            try driver.outputTopic("cents-by-user", key: .string, value: .int64).readKeyValues() == [
                KeyValue("bob", 25_003), KeyValue("ann", 703), KeyValue("bob", 103),
            ])
        // ann: 1000 - 1500 = -500 (overdrawn), then -507; bob 750 and cy 1000 are not: tombstones.
        #expect(
            try driver.outputTopic("overdrawn", key: .string, value: .string).readKeyValues() == [
                KeyValue("ann", "-500.0"), KeyValue("bob", nil), KeyValue("ann", "-507.0"), KeyValue("cy", nil),
            ])
        #expect(
            try driver.outputTopic("largest", key: .string, value: .int64).readKeyValues() == [
                KeyValue("ann", 1500), KeyValue("bob", 250), KeyValue("ann", 1500), KeyValue("cy", 0),
                KeyValue("bob", 250),
            ])
        #expect(
            try driver.keyValueStore("balances", key: .string, value: .float64) == [
                KeyValue("ann", -507), KeyValue("bob", 750), KeyValue("cy", 1000),
            ])
        #expect(driver.deadLetters.map(\.reason) == ["boom is not a payment"])
        #expect(driver.deadLetters.map(\.node) == ["audit"])
        #expect(driver.deadLetters.map(\.offset) == [4])
    }

    @Test func processorNodesTablesAndThrowingClosures() throws {
        let driver = try TopologyTestDriver(DSLWithProcessor.self)
        let lines = driver.inputTopic("lines", key: .string, value: .string)
        try lines.pipe(key: "a", value: "hello", timestamp: 1)
        try lines.pipe(key: "b", value: "bad", timestamp: 2)
        try lines.pipe(key: "b", value: "", timestamp: 3)
        try lines.pipe(key: "a", value: "hi", timestamp: 4)
        try lines.pipe(key: "c", value: nil, timestamp: 5)
        // The tombstone of "c" passes the filter; the processor reads it as "".
        #expect(
            try driver.outputTopic("lengths", key: .string, value: .int64).readRecords() == [
                TestRecord(key: "a", value: 5, timestamp: 1), TestRecord(key: "a", value: 2, timestamp: 4),
                TestRecord(key: "c", value: 0, timestamp: 5),
            ])
        #expect(
            try driver.keyValueStore("latest", key: .string, value: .string) == [
                KeyValue("a", "HI"), KeyValue("c", ""),
            ])
        #expect(try driver.keyValueStore("seen", key: .string, value: .int64) == [KeyValue("count", 3)])
        #expect(
            driver.deadLetters == [
                DeadLetter(
                    key: Array("b".utf8), value: Array("bad".utf8), timestamp: 2, offset: 1, reason: "bad line",
                    node: "KSTREAM-FILTER-0000000001")
            ])
    }

    @Test func failPolicyThrows() throws {
        let driver = try TopologyTestDriver(DSLWithProcessor.self, errorPolicy: .fail)
        #expect(throws: TestDriverError.failed(processor: "KSTREAM-FILTER-0000000001", message: "bad line")) {
            try driver.inputTopic("lines", key: .string, value: .string).pipe(key: "b", value: "bad")
        }
    }

    @Test func aPluginWithoutATopologyIsNamed() {
        #expect {
            _ = try TopologyTestDriver(SDKTestPlugin.self)
        } throws: { error in
            "\(error)"
                == "topology.plugin: plugin 'sdk-test' (sdk-test 0.0.1) exports no topology — implement `static func topology(_ builder: StreamsBuilder)` in its Plugin type"
        }
    }

    @Test func describesTheTopologyAsKafkaStreamsDoes() throws {
        let driver = try TopologyTestDriver(DSLWordCount.self)
        #expect(
            driver.topology.describe() == """
                Topologies:
                   Sub-topology: 0
                    Source: KSTREAM-SOURCE-0000000000 (topics: [text-input])
                      --> KSTREAM-FLATMAPVALUES-0000000001
                    Processor: KSTREAM-FLATMAPVALUES-0000000001 (flatMapValues: dsl-wordcount.KSTREAM-FLATMAPVALUES-0000000001) (stores: [])
                      --> KSTREAM-KEY-SELECT-0000000002
                      <-- KSTREAM-SOURCE-0000000000
                    Processor: KSTREAM-KEY-SELECT-0000000002 (selectKey: dsl-wordcount.KSTREAM-KEY-SELECT-0000000002) (stores: [])
                      --> by-word-sink
                      <-- KSTREAM-FLATMAPVALUES-0000000001
                    Sink: by-word-sink (topic: test-app-by-word-repartition)
                      <-- KSTREAM-KEY-SELECT-0000000002
                   Sub-topology: 1
                    Source: by-word (topics: [test-app-by-word-repartition])
                      --> KSTREAM-AGGREGATE-0000000003
                    Processor: KSTREAM-AGGREGATE-0000000003 (count) (stores: [word-counts])
                      --> KTABLE-TOSTREAM-0000000004
                      <-- by-word
                    Processor: KTABLE-TOSTREAM-0000000004 (passthrough) (stores: [])
                      --> KSTREAM-SINK-0000000005
                      <-- KSTREAM-AGGREGATE-0000000003
                    Sink: KSTREAM-SINK-0000000005 (topic: word-counts)
                      <-- KTABLE-TOSTREAM-0000000004
                """)
    }
}
