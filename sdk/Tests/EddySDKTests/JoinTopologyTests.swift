import EddyEngine
import EddySDK
import EddyTestKit
import Testing

/// Every join of the DSL through the host's engine, on the reference scenario of Kafka
/// Streams' join-semantics tables: one key, the left side `1:null, 3:A, 5:B, 7:null, 9:C,
/// 12:null, 15:D` and the right side `2:null, 4:a, 6:b, 8:null, 10:c, 11:null, 13:null,
/// 14:d`, piped in timestamp order (for stream-stream joins followed by `40:E, 60:F, 80:f,
/// 100:G`, whose windows close), and the exact records each join writes.
@Suite struct JoinTopologyTests {
    private static let scenario: [(side: String, value: String?, time: Int64)] = [
        ("left", nil, 1), ("right", nil, 2), ("left", "A", 3), ("right", "a", 4), ("left", "B", 5), ("right", "b", 6),
        ("left", nil, 7), ("right", nil, 8), ("left", "C", 9), ("right", "c", 10), ("right", nil, 11),
        ("left", nil, 12),
        ("right", nil, 13), ("right", "d", 14), ("left", "D", 15),
    ]
    private static let closingRecords: [(side: String, value: String?, time: Int64)] = [
        ("left", "E", 40), ("left", "F", 60), ("right", "f", 80), ("left", "G", 100),
    ]

    /// Pipes the scenario into `<prefix>-left` and `<prefix>-right` and reads `<prefix>-out`.
    private func run(
        _ prefix: String, closing: Bool = false, _ driver: TopologyTestDriver? = nil
    ) throws -> (records: [TestRecord<String, String>], driver: TopologyTestDriver) {
        let driver = try driver ?? TopologyTestDriver(DSLJoins.self)
        let left = driver.inputTopic("\(prefix)-left", key: .string, value: .string)
        let right = driver.inputTopic("\(prefix)-right", key: .string, value: .string)
        for record in Self.scenario + (closing ? Self.closingRecords : []) {
            try (record.side == "left" ? left : right).pipe(key: "k", value: record.value, timestamp: record.time)
        }
        return (try driver.outputTopic("\(prefix)-out", key: .string, value: .string).readRecords(), driver)
    }

    private func results(_ expected: [(Int64, String?)]) -> [TestRecord<String, String>] {
        expected.map { TestRecord(key: "k", value: $0.1, timestamp: $0.0) }
    }

    /// The inner join's results within one window: every pair, at the later of its two timestamps.
    private static let windowedPairs: [(Int64, String?)] = [
        (4, "A - a"), (5, "B - a"), (6, "A - b"), (6, "B - b"), (9, "C - a"), (9, "C - b"), (10, "A - c"),
        (10, "B - c"), (10, "C - c"),
        (14, "A - d"), (14, "B - d"), (14, "C - d"), (15, "D - a"), (15, "D - b"), (15, "D - c"), (15, "D - d"),
    ]

    // MARK: - Stream–stream

    @Test func streamStreamInnerJoinPairsEveryRecordWithinTheWindow() throws {
        let (records, driver) = try run("ss-inner", closing: true)
        #expect(records == results(Self.windowedPairs))
        // The seven null values are dropped and counted.
        #expect(driver.droppedRecords == 7)
    }

    @Test func streamStreamLeftJoinEmitsUnmatchedLeftRecordsOnlyOnceTheirWindowCloses() throws {
        let (records, _) = try run("ss-left", closing: true)
        // A (3) found its partner a (4) before its window closed: no `A - null`, ever. E and
        // F found none: each is emitted when stream time passes its end (40 + 15 < 60, 60 + 15 < 80).
        #expect(records == results(Self.windowedPairs + [(40, "E - null"), (60, "F - null")]))
    }

    @Test func streamStreamOuterJoinEmitsUnmatchedRecordsOfBothSides() throws {
        let (records, _) = try run("ss-outer", closing: true)
        #expect(records == results(Self.windowedPairs + [(40, "E - null"), (60, "F - null"), (80, "null - f")]))
    }

    @Test func streamStreamLeftJoinHoldsAnUnmatchedRecordUntilItsWindowClosesThenEmitsItOnce() throws {
        let driver = try TopologyTestDriver(DSLJoins.self)
        let left = driver.inputTopic("ss-left-left", key: .string, value: .string)
        let right = driver.inputTopic("ss-left-right", key: .string, value: .string)
        let output = driver.outputTopic("ss-left-out", key: .string, value: .string)
        try left.pipe(key: "k", value: "X", timestamp: 100)
        try right.pipe(key: "other", value: "o", timestamp: 115)
        // Stream time 115 is the end of X's window (100 + 15), not past it: nothing yet.
        #expect(try output.readRecords() == [])
        try right.pipe(key: "other", value: "o", timestamp: 116)
        #expect(try output.readRecords() == [TestRecord(key: "k", value: "X - null", timestamp: 100)])
        try right.pipe(key: "k", value: "late", timestamp: 116)
        try left.pipe(key: "k", value: "Y", timestamp: 200)
        // X's result is not repeated; `late` (116) reached no left record within 15 ms.
        #expect(try output.readRecords() == [])
        #expect(try driver.keyValueStore("ss-left-join-outer-store").count == 1)
    }

    @Test func streamStreamJoinDropsRecordsLaterThanTheirWindowAndKeepsDuplicates() throws {
        let driver = try TopologyTestDriver(DSLJoins.self)
        let left = driver.inputTopic("ss-inner-left", key: .string, value: .string)
        let right = driver.inputTopic("ss-inner-right", key: .string, value: .string)
        try left.pipe(key: "k", value: "A1", timestamp: 10)
        try left.pipe(key: "k", value: "A2", timestamp: 10)
        try right.pipe(key: "k", value: "a", timestamp: 50)
        // 10 + 15 < 50: the window of a record at 10 closed; this one is dropped and counted.
        try left.pipe(key: "k", value: "late", timestamp: 10)
        try right.pipe(key: "k", value: "b", timestamp: 20)
        #expect(try driver.outputTopic("ss-inner-out", key: .string, value: .string).readRecords() == [])
        #expect(driver.droppedRecords == 2)
        try right.pipe(key: "k", value: "c", timestamp: 48)
        try left.pipe(key: "k", value: "B", timestamp: 40)
        #expect(
            try driver.outputTopic("ss-inner-out", key: .string, value: .string).readRecords() == [
                TestRecord(key: "k", value: "B - c", timestamp: 48),
                TestRecord(key: "k", value: "B - a", timestamp: 50),
            ])
    }

    // MARK: - Stream–table

    @Test func streamTableInnerJoinJoinsStreamRecordsWithTheTablesCurrentValue() throws {
        let (records, driver) = try run("st-inner")
        #expect(records == results([(5, "B - a"), (15, "D - d")]))
        #expect(driver.droppedRecords == 3)
        #expect(try driver.keyValueStore("st-inner-table", key: .string, value: .string) == [KeyValue("k", "d")])
        // The two inputs of every join but the global table ones must be co-partitioned.
        #expect(
            driver.topology.subTopologies.flatMap(\.coPartitionGroups) == [
                ["ss-inner-left", "ss-inner-right"], ["ss-left-left", "ss-left-right"],
                ["ss-outer-left", "ss-outer-right"],
                ["st-inner-left", "st-inner-right"], ["st-left-left", "st-left-right"],
                ["tt-inner-left", "tt-inner-right"],
                ["tt-left-left", "tt-left-right"], ["tt-outer-left", "tt-outer-right"],
            ])
    }

    @Test func streamTableLeftJoinJoinsRecordsWithoutATableValueWithNull() throws {
        let (records, _) = try run("st-left")
        #expect(records == results([(3, "A - null"), (5, "B - a"), (9, "C - null"), (15, "D - d")]))
    }

    // MARK: - Table–table

    @Test func tableTableInnerJoinEmitsOnUpdatesOfBothSidesAndRetractsWithTombstones() throws {
        let (records, driver) = try run("tt-inner")
        #expect(
            records
                == results([
                    (4, "A - a"), (5, "B - a"), (6, "B - b"), (7, nil), (10, "C - c"), (11, nil), (15, "D - d"),
                ]))
        #expect(try driver.keyValueStore("tt-inner-left-store", key: .string, value: .string) == [KeyValue("k", "D")])
        #expect(
            driver.topology.sourceChangelogs == [
                "tt-inner-left-store": "tt-inner-left", "tt-inner-right-store": "tt-inner-right",
                "tt-left-left-store": "tt-left-left",
                "tt-left-right-store": "tt-left-right", "tt-outer-left-store": "tt-outer-left",
                "tt-outer-right-store": "tt-outer-right",
                "st-inner-table": "st-inner-right", "st-left-right-STATE-STORE-0000000013": "st-left-right",
            ])
    }

    @Test func tableTableLeftJoin() throws {
        let (records, _) = try run("tt-left")
        #expect(
            records
                == results([
                    (3, "A - null"), (4, "A - a"), (5, "B - a"), (6, "B - b"), (7, nil), (9, "C - null"), (10, "C - c"),
                    (11, "C - null"), (12, nil),
                    (15, "D - d"),
                ]))
    }

    @Test func tableTableOuterJoin() throws {
        let (records, _) = try run("tt-outer")
        #expect(
            records
                == results([
                    (3, "A - null"), (4, "A - a"), (5, "B - a"), (6, "B - b"), (7, "null - b"), (8, nil),
                    (9, "C - null"), (10, "C - c"),
                    (11, "C - null"), (12, nil), (14, "null - d"), (15, "D - d"),
                ]))
    }

    // MARK: - Stream–global table

    @Test func streamGlobalTableInnerJoin() throws {
        let (records, driver) = try run("sg-inner")
        #expect(records == results([(5, "B - a"), (15, "D - d")]))
        #expect(driver.topology.globalStores.map(\.topic).sorted() == ["sg-inner-right", "sg-left-right"])
        #expect(try driver.keyValueStore("sg-inner-global", key: .string, value: .string) == [KeyValue("k", "d")])
    }

    @Test func streamGlobalTableLeftJoin() throws {
        let (records, _) = try run("sg-left")
        #expect(records == results([(3, "A - null"), (5, "B - a"), (9, "C - null"), (15, "D - d")]))
    }

    // MARK: - Key changes and key selectors

    @Test func aJoinAfterAKeyChangeRepartitionsTheStreamFirst() throws {
        let driver = try TopologyTestDriver(DSLRekeyedJoins.self)
        try driver.inputTopic("users", key: .string, value: .string).pipe(key: "u1", value: "Ada", timestamp: 1)
        try driver.inputTopic("users", key: .string, value: .string).pipe(key: "u2", value: "Grace", timestamp: 2)
        let clicks = driver.inputTopic("clicks", key: .string, value: .string)
        try clicks.pipe(key: "click-1", value: "u2", timestamp: 3)
        try clicks.pipe(key: "click-2", value: "u1", timestamp: 4)
        try clicks.pipe(key: "click-3", value: "u3", timestamp: 5)
        #expect(
            try driver.outputTopic("named-clicks", key: .string, value: .string).readRecords() == [
                TestRecord(key: "u2", value: "u2 is Grace", timestamp: 3),
                TestRecord(key: "u1", value: "u1 is Ada", timestamp: 4),
            ])
        let repartition = "test-app-clicks-with-users-left-repartition-repartition"
        #expect(driver.topology.internalTopics.map(\.name) == [repartition])
        #expect(driver.topology.subTopologies.flatMap(\.coPartitionGroups) == [[repartition, "users"]])
    }

    @Test func aGlobalTableJoinLooksUpTheKeyItsSelectorPicks() throws {
        let driver = try TopologyTestDriver(DSLRekeyedJoins.self)
        let products = driver.inputTopic("products", key: .string, value: .string)
        try products.pipe(key: "p1", value: "tea", timestamp: 1)
        try products.pipe(key: "p2", value: "cake", timestamp: 1)
        let orders = driver.inputTopic("orders", key: .string, value: .string)
        try orders.pipe(key: "o1", value: "p2:2", timestamp: 5)
        try products.pipe(key: "p2", value: nil, timestamp: 6)
        try orders.pipe(key: "o2", value: "p2:1", timestamp: 7)
        try orders.pipe(key: "o3", value: "p1:3", timestamp: 8)
        #expect(
            try driver.outputTopic("priced-orders", key: .string, value: .string).readRecords() == [
                TestRecord(key: "o1", value: "p2:2 (cake)", timestamp: 5),
                TestRecord(key: "o2", value: "p2:1 (unknown product)", timestamp: 7),
                TestRecord(key: "o3", value: "p1:3 (tea)", timestamp: 8),
            ])
        #expect(
            driver.topology.subTopologies.flatMap(\.coPartitionGroups) == [
                [
                    "test-app-clicks-with-users-left-repartition-repartition", "users",
                ]
            ])
    }
}
