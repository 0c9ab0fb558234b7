import EddyEngine
import EddySDK
import EddyTestKit
import Testing

/// Aggregations forward and store the timestamps Kafka Streams' do (`KStreamAggregate`,
/// `KStreamReduce`, `KStreamWindowAggregate`): a key's (or window's) first record gives its
/// own timestamp, every later one the larger of its timestamp and the stored aggregate's, so a
/// record older than the aggregate does not take it back in time. Under key `k` the events are
/// `a@50`, `b@30` (older than the aggregate), `c@70`, `d@60` (older again); under `j`, `x@20`.
@Suite struct AggregationTimestampTests {
    private static let events: [(key: String, value: String, time: Int64)] = [
        ("k", "a", 50), ("k", "b", 30), ("j", "x", 20), ("k", "c", 70), ("k", "d", 60),
    ]

    private func driverWithEvents() throws -> TopologyTestDriver {
        let driver = try TopologyTestDriver(DSLAggregationTimestamps.self)
        let input = driver.inputTopic("ts-events", key: .string, value: .string)
        for event in Self.events { try input.pipe(key: event.key, value: event.value, timestamp: event.time) }
        return driver
    }

    private func rendered<V>(_ records: [TestRecord<String, V>]) -> [String] {
        records.map { "\($0.key ?? "null")=\($0.value.map { "\($0)" } ?? "null")@\($0.timestamp)" }
    }

    @Test func countForwardsAndStoresTheLargestTimestampOfItsRecords() throws {
        let driver = try driverWithEvents()
        #expect(
            rendered(try driver.outputTopic("ts-counted", key: .string, value: .int64).readRecords()) == [
                "k=1@50", "k=2@50", "j=1@20", "k=3@70", "k=4@70",
            ])
        let stored = try driver.timestampedKeyValueStore("ts-counts", key: .string, value: .int64)
        #expect(
            stored.map { "\($0.key)=\($0.value)@\($0.timestamp.map(String.init) ?? "none")" } == ["j=1@20", "k=4@70"])
        #expect(
            try driver.keyValueStore("ts-counts", key: .string, value: .int64) == [KeyValue("j", 1), KeyValue("k", 4)])
    }

    @Test func reduceAndAggregateForwardTheLargestTimestampOfTheirRecords() throws {
        let driver = try driverWithEvents()
        #expect(
            rendered(try driver.outputTopic("ts-reduced", key: .string, value: .string).readRecords()) == [
                "k=a@50", "k=ab@50", "j=x@20", "k=abc@70", "k=abcd@70",
            ])
        #expect(
            rendered(try driver.outputTopic("ts-aggregated", key: .string, value: .string).readRecords()) == [
                "k=-a@50", "k=-ab@50", "j=-x@20", "k=-abc@70", "k=-abcd@70",
            ])
        let stored = try driver.timestampedKeyValueStore("ts-aggregated", key: .string, value: .string)
        #expect(
            stored.map { "\($0.key)=\($0.value)@\($0.timestamp.map(String.init) ?? "none")" } == [
                "j=-x@20", "k=-abcd@70",
            ])
    }

    @Test func windowedAggregationsForwardTheLargestTimestampOfTheirWindowsRecords() throws {
        let driver = try driverWithEvents()
        let serde = TimeWindowedSerde(StringSerde(), windowSize: 100)
        func rendered<V>(_ records: [TestRecord<Windowed<String>, V>]) -> [String] {
            records.map { r in
                "\(r.key.map { "\($0.key)[\($0.start),\($0.end))" } ?? "null")=\(r.value.map { "\($0)" } ?? "null")@\(r.timestamp)"
            }
        }
        #expect(
            rendered(try driver.outputTopic("ts-windowed-counted", key: serde, value: .int64).readRecords()) == [
                "k[0,100)=1@50", "k[0,100)=2@50", "j[0,100)=1@20", "k[0,100)=3@70", "k[0,100)=4@70",
            ])
        #expect(
            rendered(try driver.outputTopic("ts-windowed-reduced", key: serde, value: .string).readRecords()) == [
                "k[0,100)=a@50", "k[0,100)=ab@50", "j[0,100)=x@20", "k[0,100)=abc@70", "k[0,100)=abcd@70",
            ])
        let stored = try driver.timestampedWindowStore("ts-windowed-counts", key: .string, value: .int64)
        #expect(
            stored.map {
                "\($0.key.key)[\($0.key.start),\($0.key.end))=\($0.value)@\($0.timestamp.map(String.init) ?? "none")"
            }
                == ["j[0,100)=1@20", "k[0,100)=4@70"])
    }

    /// The count table joined with the users table: each result has the larger of both
    /// sides' timestamps, the count's read from its store. Under `k`: user `U@40`; events
    /// `a@50` (the count newer), `b@30` (the count stays at 50); user `W@45` (older than the
    /// stored count); user `V@90` (the count older); events `c@70` (the count older than the
    /// user), `d@95` (the count newer).
    @Test func aTableJoinOfAnAggregatedTableTakesTheAggregatesStoredTimestamp() throws {
        let driver = try TopologyTestDriver(DSLAggregationTimestamps.self)
        let events = driver.inputTopic("ts-events", key: .string, value: .string)
        let users = driver.inputTopic("ts-users", key: .string, value: .string)
        try users.pipe(key: "k", value: "U", timestamp: 40)
        try events.pipe(key: "k", value: "a", timestamp: 50)
        try events.pipe(key: "k", value: "b", timestamp: 30)
        try users.pipe(key: "k", value: "W", timestamp: 45)
        try users.pipe(key: "k", value: "V", timestamp: 90)
        try events.pipe(key: "k", value: "c", timestamp: 70)
        try events.pipe(key: "k", value: "d", timestamp: 95)
        #expect(
            rendered(try driver.outputTopic("ts-joined", key: .string, value: .string).readRecords()) == [
                "k=1 U@50", "k=2 U@50", "k=2 W@50", "k=2 V@90", "k=3 V@90", "k=4 V@95",
            ])
    }

    @Test func aggregationStoresDeclareTheTimestampedLayoutAndSessionStoresDoNot() throws {
        let stores = try TopologyTestDriver(DSLAggregationTimestamps.self).topology.subTopologies
            .flatMap(\.nodes).flatMap(\.kind.stores)
        let serdes = Dictionary(uniqueKeysWithValues: stores.map { ($0.name, $0.valueSerde) })
        #expect(serdes["ts-counts"] == "timestamped:i64")
        #expect(serdes["ts-aggregated"] == "timestamped:string")
        #expect(serdes["ts-windowed-counts"] == "timestamped:i64")
        let sessions = try TopologyTestDriver(DSLWindows.self).topology.subTopologies
            .flatMap(\.nodes).flatMap(\.kind.stores).filter { $0.kind == .session }
        #expect(!sessions.isEmpty)
        #expect(sessions.allSatisfy { !$0.valueSerde.hasPrefix("timestamped:") })
    }
}
