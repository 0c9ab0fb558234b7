import EddyEngine
import EddySDK
import EddyTestKit
import Testing

/// Kafka Streams 3.7+ (KIP-962) no longer drops stream records with a null key where the join
/// keeps unmatched records: the left side of a left stream–stream or stream–table join and both
/// sides of an outer stream–stream join emit such a record at once, joined with nil. Inner
/// joins, and the right side of a left stream–stream join, still drop and count it.
@Suite struct NullKeyJoinTests {
    private func run(
        _ prefix: String, _ records: [(side: String, key: String?, value: String, time: Int64)]
    ) throws -> (records: [TestRecord<String, String>], dropped: Int) {
        let driver = try TopologyTestDriver(DSLJoins.self)
        let left = driver.inputTopic("\(prefix)-left", key: .string, value: .string)
        let right = driver.inputTopic("\(prefix)-right", key: .string, value: .string)
        for record in records {
            try (record.side == "left" ? left : right).pipe(
                key: record.key, value: record.value, timestamp: record.time)
        }
        return (
            try driver.outputTopic("\(prefix)-out", key: .string, value: .string).readRecords(), driver.droppedRecords
        )
    }

    @Test func leftStreamStreamJoinEmitsANullKeyLeftRecordAtOnceAndDropsANullKeyRightOne() throws {
        let (records, dropped) = try run(
            "ss-left", [("left", "k", "A", 1), ("left", nil, "N", 2), ("right", nil, "n", 3), ("right", "k", "a", 4)])
        #expect(
            records == [
                TestRecord(key: nil, value: "N - null", timestamp: 2),
                TestRecord(key: "k", value: "A - a", timestamp: 4),
            ])
        #expect(dropped == 1)
    }

    @Test func outerStreamStreamJoinEmitsNullKeyRecordsOfBothSidesAtOnce() throws {
        let (records, dropped) = try run(
            "ss-outer", [("left", "k", "A", 1), ("left", nil, "N", 2), ("right", nil, "n", 3), ("right", "k", "a", 4)])
        #expect(
            records == [
                TestRecord(key: nil, value: "N - null", timestamp: 2),
                TestRecord(key: nil, value: "null - n", timestamp: 3),
                TestRecord(key: "k", value: "A - a", timestamp: 4),
            ])
        #expect(dropped == 0)
    }

    @Test func innerStreamStreamJoinDropsNullKeyRecords() throws {
        let (records, dropped) = try run(
            "ss-inner", [("left", "k", "A", 1), ("left", nil, "N", 2), ("right", nil, "n", 3), ("right", "k", "a", 4)])
        #expect(records == [TestRecord(key: "k", value: "A - a", timestamp: 4)])
        #expect(dropped == 2)
    }

    @Test func leftStreamTableJoinJoinsANullKeyRecordWithNull() throws {
        let (records, dropped) = try run(
            "st-left", [("right", "k", "a", 1), ("left", nil, "N", 2), ("left", "k", "A", 3)])
        #expect(
            records == [
                TestRecord(key: nil, value: "N - null", timestamp: 2),
                TestRecord(key: "k", value: "A - a", timestamp: 3),
            ])
        #expect(dropped == 0)
    }

    @Test func innerStreamTableJoinDropsANullKeyRecord() throws {
        let (records, dropped) = try run(
            "st-inner", [("right", "k", "a", 1), ("left", nil, "N", 2), ("left", "k", "A", 3)])
        #expect(records == [TestRecord(key: "k", value: "A - a", timestamp: 3)])
        #expect(dropped == 1)
    }

    /// Orders `o1` (which then loses its product) and `o2` (which never has one) against product `p1`.
    private func ordersWithoutAProduct(_ prefix: String) throws -> [TestRecord<String, String>] {
        let driver = try TopologyTestDriver(DSLForeignKeyJoins.self)
        let orders = driver.inputTopic("\(prefix)-orders", key: .string, value: .string)
        let products = driver.inputTopic("\(prefix)-products", key: .string, value: .string)
        try products.pipe(key: "p1", value: "tea", timestamp: 1)
        try orders.pipe(key: "o1", value: "p1:2", timestamp: 2)
        try orders.pipe(key: "o1", value: "none", timestamp: 3)
        try orders.pipe(key: "o2", value: "none", timestamp: 4)
        try products.pipe(key: "p1", value: "green tea", timestamp: 5)
        return try driver.outputTopic("\(prefix)-out", key: .string, value: .string).readRecords()
    }

    @Test func leftForeignKeyJoinJoinsAnEntryWithoutAForeignKeyWithNull() throws {
        #expect(
            try ordersWithoutAProduct("fk-left") == [
                TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 2),
                TestRecord(key: "o1", value: "none with null", timestamp: 3),
                TestRecord(key: "o2", value: "none with null", timestamp: 4),
            ])
    }

    @Test func innerForeignKeyJoinRetractsTheResultOfAnEntryThatLosesItsForeignKey() throws {
        #expect(
            try ordersWithoutAProduct("fk-inner") == [
                TestRecord(key: "o1", value: "p1:2 with tea", timestamp: 2),
                TestRecord(key: "o1", value: nil, timestamp: 3),
            ])
    }
}
