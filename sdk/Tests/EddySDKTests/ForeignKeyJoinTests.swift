import EddyEngine
import EddySDK
import EddyTestKit
import Testing

/// Foreign-key table joins through the subscription/response design: updates and deletions
/// of both sides, a left entry moving to another foreign key, and the exact results.
@Suite struct ForeignKeyJoinTests {
    /// Products and orders updated and deleted in turn; returns what the join wrote.
    private func run(_ prefix: String) throws -> (records: [TestRecord<String, String>], driver: TopologyTestDriver) {
        let driver = try TopologyTestDriver(DSLForeignKeyJoins.self)
        let orders = driver.inputTopic("\(prefix)-orders", key: .string, value: .string)
        let products = driver.inputTopic("\(prefix)-products", key: .string, value: .string)
        try products.pipe(key: "p1", value: "tea", timestamp: 1)
        try products.pipe(key: "p2", value: "cake", timestamp: 2)
        try orders.pipe(key: "o1", value: "p1:2", timestamp: 3)
        try orders.pipe(key: "o2", value: "p3:1", timestamp: 4)  // no product p3 yet
        try products.pipe(key: "p3", value: "jam", timestamp: 5)
        try products.pipe(key: "p1", value: "green tea", timestamp: 6)
        try orders.pipe(key: "o1", value: "p2:5", timestamp: 7)  // o1 moves from p1 to p2
        try products.pipe(key: "p1", value: "black tea", timestamp: 8)  // o1 no longer refers to p1
        try products.pipe(key: "p2", value: nil, timestamp: 9)
        try orders.pipe(key: "o2", value: nil, timestamp: 10)
        try products.pipe(key: "p3", value: "jelly", timestamp: 11)  // o2 is gone
        return (try driver.outputTopic("\(prefix)-out", key: .string, value: .string).readRecords(), driver)
    }

    @Test func innerForeignKeyJoinFollowsUpdatesAndDeletionsOfBothSides() throws {
        let (records, driver) = try run("fk-inner")
        #expect(records == [
            TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 3), TestRecord(key: "o2", value: nil, timestamp: 4),
            TestRecord(key: "o2", value: "p3:1 with jam", timestamp: 5), TestRecord(key: "o1", value: "p1:2 with green tea", timestamp: 6),
            TestRecord(key: "o1", value: "p2:5 with cake", timestamp: 7), TestRecord(key: "o1", value: nil, timestamp: 9),
            TestRecord(key: "o2", value: nil, timestamp: 10),
        ])
        // o1 still subscribes to p2; o2's subscription to p3 is gone.
        #expect(try driver.keyValueStore("fk-inner-subscription-store").map(\.key) == [[0, 0, 0, 2] + Array("p2o1".utf8)])
        #expect(try driver.keyValueStore("fk-inner-foreign-keys-store", key: .string, value: .string) == [KeyValue("o1", "p2")])
        let registration = "test-app-fk-inner-subscription-registration-repartition"
        let response = "test-app-fk-inner-subscription-response-repartition"
        #expect(driver.topology.subTopologies.flatMap(\.coPartitionGroups).filter { $0.contains(registration) || $0.contains(response) } == [
            ["fk-inner-orders", response], ["fk-inner-products", registration],
        ])
    }

    @Test func leftForeignKeyJoinJoinsEntriesWithoutARightEntryWithNull() throws {
        let (records, _) = try run("fk-left")
        #expect(records == [
            TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 3), TestRecord(key: "o2", value: "p3:1 with null", timestamp: 4),
            TestRecord(key: "o2", value: "p3:1 with jam", timestamp: 5), TestRecord(key: "o1", value: "p1:2 with green tea", timestamp: 6),
            TestRecord(key: "o1", value: "p2:5 with cake", timestamp: 7), TestRecord(key: "o1", value: "p2:5 with null", timestamp: 9),
            TestRecord(key: "o2", value: nil, timestamp: 10),
        ])
    }
}
