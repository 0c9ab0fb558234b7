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
        #expect(
            records == [
                TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 3),
                TestRecord(key: "o2", value: nil, timestamp: 4),
                TestRecord(key: "o2", value: "p3:1 with jam", timestamp: 5),
                TestRecord(key: "o1", value: "p1:2 with green tea", timestamp: 6),
                TestRecord(key: "o1", value: "p2:5 with cake", timestamp: 7),
                TestRecord(key: "o1", value: nil, timestamp: 9),
                TestRecord(key: "o2", value: nil, timestamp: 10),
            ])
        // o1 still subscribes to p2; o2's subscription to p3 is gone.
        #expect(
            try driver.keyValueStore("fk-inner-subscription-store").map(\.key) == [[0, 0, 0, 2] + Array("p2o1".utf8)])
        #expect(
            try driver.keyValueStore("fk-inner-foreign-keys-store", key: .string, value: .string) == [
                KeyValue("o1", "p2")
            ])
        let registration = "test-app-fk-inner-subscription-registration-repartition"
        let response = "test-app-fk-inner-subscription-response-repartition"
        #expect(
            driver.topology.subTopologies.flatMap(\.coPartitionGroups).filter {
                $0.contains(registration) || $0.contains(response)
            } == [
                ["fk-inner-orders", response], ["fk-inner-products", registration],
            ])
    }

    @Test func leftForeignKeyJoinJoinsEntriesWithoutARightEntryWithNull() throws {
        let (records, _) = try run("fk-left")
        #expect(
            records == [
                TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 3),
                TestRecord(key: "o2", value: "p3:1 with null", timestamp: 4),
                TestRecord(key: "o2", value: "p3:1 with jam", timestamp: 5),
                TestRecord(key: "o1", value: "p1:2 with green tea", timestamp: 6),
                TestRecord(key: "o1", value: "p2:5 with cake", timestamp: 7),
                TestRecord(key: "o1", value: "p2:5 with null", timestamp: 9),
                TestRecord(key: "o2", value: nil, timestamp: 10),
            ])
    }
}

/// The resolve step drops a response whose hash of the left value is not the current one:
/// an answer to a subscription the left entry has since replaced.
@Suite struct ForeignKeyStaleResponseTests {
    /// A response as the respond step writes it: the hash `[1][FNV-1a 64]` of a left value,
    /// then whether there is a right value, then the right value.
    private func response(forLeftValue left: String, right: String) -> [UInt8] {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in left.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01b3 }
        return [1] + (0..<8).map { UInt8(truncatingIfNeeded: hash >> (56 - 8 * $0)) } + [1] + Array(right.utf8)
    }

    @Test func aResponseToAnOlderLeftValueIsDropped() throws {
        let driver = try TopologyTestDriver(DSLForeignKeyJoins.self)
        try driver.inputTopic("fk-inner-products", key: .string, value: .string).pipe(
            key: "p1", value: "tea", timestamp: 1)
        try driver.inputTopic("fk-inner-orders", key: .string, value: .string).pipe(
            key: "o1", value: "p1:2", timestamp: 2)
        let output = driver.outputTopic("fk-inner-out", key: .string, value: .string)
        #expect(try output.readRecords() == [TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 2)])
        // Responses arriving late on the response topic: one for the value o1 had before, one for its current value.
        let responses = "test-app-fk-inner-subscription-response-repartition"
        try driver.pipe(
            responses, key: Array("o1".utf8), value: response(forLeftValue: "p1:1", right: "old tea"), timestamp: 3)
        #expect(try output.readRecords() == [])
        try driver.pipe(
            responses, key: Array("o1".utf8), value: response(forLeftValue: "p1:2", right: "new tea"), timestamp: 4)
        #expect(try output.readRecords() == [TestRecord(key: "o1", value: "p1:2 with new tea", timestamp: 4)])
    }
}
