import EddySDK
import EddyTestKit
import Testing

/// Windowed aggregations and suppression through the host's engine, with Kafka Streams'
/// semantics: out-of-order records inside the grace update their windows; later ones are
/// dropped and counted.
@Suite struct WindowTopologyTests {
    private typealias Window = Windowed<String>

    private func record(_ key: String, _ start: Int64, _ end: Int64, _ value: Int64?, at timestamp: Int64)
        -> TestRecord<Window, Int64>
    {
        TestRecord(key: Windowed(key: key, start: start, end: end), value: value, timestamp: timestamp)
    }

    @Test func tumblingWindowsUpdateInsideTheGraceAndDropLateRecords() throws {
        let driver = try TopologyTestDriver(DSLWindows.self)
        let clicks = driver.inputTopic("clicks", key: .string, value: .string)
        for (key, time) in [("a", 1), ("a", 12), ("a", 8), ("a", 16), ("a", 3), ("b", 18), ("a", 30)]
            as [(String, Int64)]
        {
            try clicks.pipe(key: key, value: "click", timestamp: time)
        }
        let serde = TimeWindowedSerde(StringSerde(), windowSize: 10)
        #expect(
            try driver.outputTopic("tumbling", key: serde, value: .int64).readRecords() == [
                record("a", 0, 10, 1, at: 1), record("a", 10, 20, 1, at: 12), record("a", 0, 10, 2, at: 8),
                record("a", 10, 20, 2, at: 16),
                record("b", 10, 20, 1, at: 18), record("a", 30, 40, 1, at: 30),
            ])
        // One result per window, once stream time passes its end plus the grace (5).
        #expect(
            try driver.outputTopic("tumbling-final", key: serde, value: .int64).readRecords() == [
                record("a", 0, 10, 2, at: 8), record("a", 10, 20, 2, at: 16), record("b", 10, 20, 1, at: 18),
            ])
        #expect(driver.droppedRecords == 1)
        #expect(
            try driver.windowStore("tumbling-counts", key: .string, value: .int64) == [
                KeyValue(Windowed(key: "a", start: 0, end: 10), 2), KeyValue(Windowed(key: "a", start: 10, end: 20), 2),
                KeyValue(Windowed(key: "a", start: 30, end: 40), 1),
                KeyValue(Windowed(key: "b", start: 10, end: 20), 1),
            ])
    }

    @Test func hoppingWindowsCountEveryWindowARecordFallsIn() throws {
        let driver = try TopologyTestDriver(DSLWindows.self)
        let hops = driver.inputTopic("hops", key: .string, value: .string)
        for time in [130_000, 250_000, 20_000, 400_000, 90_000] as [Int64] {
            try hops.pipe(key: "a", value: "hop", timestamp: time)
        }
        let serde = TimeWindowedSerde(StringSerde(), windowSize: 300_000)
        func hop(_ start: Int64, _ count: Int64, at time: Int64) -> TestRecord<Window, Int64> {
            record("a", start, start + 300_000, count, at: time)
        }
        #expect(
            try driver.outputTopic("hopping", key: serde, value: .int64).readRecords() == [
                hop(0, 1, at: 130_000), hop(60_000, 1, at: 130_000), hop(120_000, 1, at: 130_000),
                hop(0, 2, at: 250_000), hop(60_000, 2, at: 250_000), hop(120_000, 2, at: 250_000),
                hop(180_000, 1, at: 250_000),
                hop(240_000, 1, at: 250_000),
                // 20 000 is out of order, but its only open window [0, 300 000) takes it.
                hop(0, 3, at: 250_000),
                hop(120_000, 3, at: 400_000), hop(180_000, 2, at: 400_000), hop(240_000, 2, at: 400_000),
                hop(300_000, 1, at: 400_000),
                hop(360_000, 1, at: 400_000),
            ])
        // 90 000's two windows, [0, 300 000) and [60 000, 360 000), have closed: one drop per window.
        #expect(driver.droppedRecords == 2)
    }

    @Test func slidingWindowsAggregateEachDistinctSetOfRecordsOnce() throws {
        let driver = try TopologyTestDriver(DSLWindows.self)
        let slides = driver.inputTopic("slides", key: .string, value: .string)
        for time in [20, 25, 17, 50, 12, 35] as [Int64] {
            try slides.pipe(key: "a", value: "x", timestamp: time)
        }
        let serde = TimeWindowedSerde(StringSerde(), windowSize: 10)
        func slide(_ start: Int64, _ count: Int64, at time: Int64) -> TestRecord<Window, Int64> {
            record("a", start, start + 10, count, at: time)
        }
        #expect(
            try driver.outputTopic("sliding", key: serde, value: .int64).readRecords() == [
                slide(10, 1, at: 20),
                slide(21, 1, at: 25), slide(15, 2, at: 25),
                // 17 is out of order: it joins [10,20] and [15,25], and brings its own left window
                // [7,17] and right window [18,28] (holding 20 and 25).
                slide(10, 2, at: 20), slide(15, 3, at: 25), slide(7, 1, at: 17), slide(18, 2, at: 25),
                slide(40, 1, at: 50),
                // 12 is late (stream time 50, grace 20); 35 opens the right window of 25 and its left one.
                slide(26, 1, at: 35), slide(25, 2, at: 35),
            ])
        #expect(driver.droppedRecords == 1)
    }

    @Test func sessionsMergeWhenARecordBridgesThemAndEmitFinalResults() throws {
        let driver = try TopologyTestDriver(DSLWindows.self)
        let visits = driver.inputTopic("visits", key: .string, value: .string)
        for (key, time) in [("a", 0), ("a", 20), ("a", 10), ("b", 15), ("a", 45), ("a", 80), ("a", 22), ("b", 60)]
            as [(String, Int64)]
        {
            try visits.pipe(key: key, value: "visit", timestamp: time)
        }
        let serde = SessionWindowedSerde(StringSerde())
        #expect(
            try driver.outputTopic("sessions", key: serde, value: .int64).readRecords() == [
                record("a", 0, 0, 1, at: 0), record("a", 20, 20, 1, at: 20),
                // 10 bridges [0,0] and [20,20]: both are retracted, and [0,20] holds all three.
                record("a", 0, 0, nil, at: 0), record("a", 20, 20, nil, at: 20), record("a", 0, 20, 3, at: 20),
                record("b", 15, 15, 1, at: 15), record("a", 45, 45, 1, at: 45), record("a", 80, 80, 1, at: 80),
                // 22 would extend [0,20], which closed at stream time 60 (gap 10, grace 30): dropped.
                record("b", 60, 60, 1, at: 60),
            ])
        // A session closes once stream time passes its end plus the gap and the grace (40):
        // [45,45] is still open at stream time 80.
        #expect(
            try driver.outputTopic("sessions-final", key: serde, value: .int64).readRecords() == [
                record("b", 15, 15, 1, at: 15), record("a", 0, 20, 3, at: 20),
            ])
        #expect(driver.droppedRecords == 1)
    }

    @Test func sessionAggregatesMergeThroughTheMerger() throws {
        let driver = try TopologyTestDriver(DSLWindows.self)
        let amounts = driver.inputTopic("amounts", key: .string, value: .string)
        for (amount, time) in [("5", 0), ("7", 20), ("100", 10)] as [(String, Int64)] {
            try amounts.pipe(key: "a", value: amount, timestamp: time)
        }
        #expect(
            try driver.outputTopic("session-sums", key: SessionWindowedSerde(StringSerde()), value: .int64)
                .readRecords() == [
                    record("a", 0, 0, 5, at: 0), record("a", 20, 20, 7, at: 20),
                    record("a", 0, 0, nil, at: 0), record("a", 20, 20, nil, at: 20), record("a", 0, 20, 112, at: 20),
                ])
    }

    @Test func timeLimitedSuppressionEmitsEachKeysLatestUpdate() throws {
        let driver = try TopologyTestDriver(DSLSuppressions.self)
        let events = driver.inputTopic("events", key: .string, value: .string)
        for (key, time) in [("k", 1), ("k", 3), ("j", 5), ("k", 12), ("l", 20)] as [(String, Int64)] {
            try events.pipe(key: key, value: "e", timestamp: time)
        }
        // k waits from its first update (1) until stream time 11; j from 5 until 15.
        #expect(
            try driver.outputTopic("limited", key: .string, value: .int64).readRecords() == [
                TestRecord(key: "k", value: 3, timestamp: 12), TestRecord(key: "j", value: 1, timestamp: 5),
            ])
        // A buffer of one record emits the oldest early as soon as a second key comes.
        #expect(
            try driver.outputTopic("bounded", key: .string, value: .int64).readRecords() == [
                TestRecord(key: "k", value: 2, timestamp: 3), TestRecord(key: "j", value: 1, timestamp: 5),
                TestRecord(key: "k", value: 3, timestamp: 12),
            ])
    }

    @Test func aFullWindowClosesBufferShutsDown() throws {
        let driver = try TopologyTestDriver(DSLSuppressions.self)
        let strict = driver.inputTopic("strict", key: .string, value: .string)
        try strict.pipe(key: "a", value: "x", timestamp: 1)
        #expect(throws: (any Error).self) { try strict.pipe(key: "b", value: "x", timestamp: 2) }
    }

    @Test func aTimestampExtractorGivesEventTimeAndRejectsWhatHasNone() throws {
        let driver = try TopologyTestDriver(DSLEventTime.self)
        let readings = driver.inputTopic("readings", key: .string, value: .string)
        try readings.pipe(key: "s", value: "150 warm", timestamp: 9_999)
        try readings.pipe(key: "s", value: "no time", timestamp: 9_999)
        try readings.pipe(key: "s", value: "-5 cold", timestamp: 9_999)
        try readings.pipe(key: "s", value: "120 hot", timestamp: 1)
        #expect(
            try driver.outputTopic(
                "reading-counts", key: TimeWindowedSerde(StringSerde(), windowSize: 100), value: .int64
            ).readRecords() == [
                record("s", 100, 200, 1, at: 150), record("s", 100, 200, 2, at: 150),
            ])
        #expect(
            driver.deadLetters.map(\.reason) == [
                "no event time in 'no time'", "the timestamp extractor gave a negative event time (-5)",
            ])
        #expect(driver.deadLetters.map(\.offset) == [1, 2])
    }
}
