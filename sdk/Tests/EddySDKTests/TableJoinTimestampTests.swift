import EddyEngine
import EddySDK
import EddyTestKit
import Testing

/// Table–table joins give each result the larger of both sides' timestamps, as Kafka
/// Streams' `KTableKTableJoin` does, from the timestamps the tables' stores keep with their
/// values. The updates come in this order (the order the worker's time-ordered input gives
/// the same records in `Tests/EddyRuntimeTests/TableJoinTimestampTests.swift`), under key
/// `k`: left `A@50`, right `a@60`, right `b@15` (older than the stored left value), right
/// `c@80`, left `B@90`, left `C@30` (older than the stored right value), left tombstone `@35`.
@Suite struct TableJoinTimestampTests {
    private static let updates: [(side: String, value: String?, time: Int64)] = [
        ("left", "A", 50), ("right", "a", 60), ("right", "b", 15), ("right", "c", 80), ("left", "B", 90),
        ("left", "C", 30), ("left", nil, 35),
    ]

    private func run(_ prefix: String) throws -> (records: [TestRecord<String, String>], driver: TopologyTestDriver) {
        let driver = try TopologyTestDriver(DSLJoins.self)
        let left = driver.inputTopic("\(prefix)-left", key: .string, value: .string)
        let right = driver.inputTopic("\(prefix)-right", key: .string, value: .string)
        for update in Self.updates {
            try (update.side == "left" ? left : right).pipe(key: "k", value: update.value, timestamp: update.time)
        }
        return (try driver.outputTopic("\(prefix)-out", key: .string, value: .string).readRecords(), driver)
    }

    private func results(_ expected: [(Int64, String?)]) -> [TestRecord<String, String>] {
        expected.map { TestRecord(key: "k", value: $0.1, timestamp: $0.0) }
    }

    @Test func innerJoinResultsAndTombstonesCarryTheLargerTimestampOfBothSides() throws {
        let (records, driver) = try run("tt-inner")
        #expect(
            records
                == results([(60, "A - a"), (50, "A - b"), (80, "A - c"), (90, "B - c"), (80, "C - c"), (80, nil)]))
        let right = try driver.timestampedKeyValueStore("tt-inner-right-store", key: .string, value: .string)
        #expect(right.map { "\($0.key)=\($0.value)@\($0.timestamp.map(String.init) ?? "none")" } == ["k=c@80"])
        #expect(try driver.keyValueStore("tt-inner-left-store").isEmpty)
    }

    @Test func leftJoinResultsCarryTheLargerTimestampOrTheUpdatesWithoutARightValue() throws {
        let (records, _) = try run("tt-left")
        #expect(
            records
                == results([
                    (50, "A - null"), (60, "A - a"), (50, "A - b"), (80, "A - c"), (90, "B - c"), (80, "C - c"),
                    (80, nil),
                ]))
    }

    @Test func outerJoinResultsCarryTheLargerTimestampOfThePresentSides() throws {
        let (records, _) = try run("tt-outer")
        #expect(
            records
                == results([
                    (50, "A - null"), (60, "A - a"), (50, "A - b"), (80, "A - c"), (90, "B - c"), (80, "C - c"),
                    (80, "null - c"),
                ]))
    }

    @Test func tableStoresDeclareTheTimestampedLayout() throws {
        let driver = try TopologyTestDriver(DSLJoins.self)
        let stores = driver.topology.subTopologies.flatMap(\.nodes).flatMap(\.kind.stores)
        let table = try #require(stores.first { $0.name == "tt-inner-left-store" })
        #expect(table.valueSerde == "timestamped:string")
        let global = try #require(driver.topology.globalStores.first { $0.store.name == "sg-inner-global" })
        #expect(global.store.valueSerde == "string")
    }
}
