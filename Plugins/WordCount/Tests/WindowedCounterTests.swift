import EddySDK
import EddyTestKit
import Testing
import WordCount

/// The windowed counter, tested with the SDK's test driver: counts per key and tumbling
/// 10 s window, and late records dropped after the grace.
@Suite struct WindowedCounterTests {
    @Test func countsPerKeyAndWindowAndForwardsKeyAtWindowStart() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "windowed-count")
        for (key, timestamp) in [("a", 1_000), ("b", 2_000), ("a", 9_999), ("a", 10_000), ("b", 15_000), ("a", 19_000)]
        {
            try driver.pipe(key: Array(key.utf8), value: nil, timestamp: Int64(timestamp))
        }
        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(
            output == [
                TestRecord(key: "a@0", value: 1, timestamp: 1_000),
                TestRecord(key: "b@0", value: 1, timestamp: 2_000),
                TestRecord(key: "a@0", value: 2, timestamp: 9_999),
                TestRecord(key: "a@10000", value: 1, timestamp: 10_000),
                TestRecord(key: "b@10000", value: 1, timestamp: 15_000),
                TestRecord(key: "a@10000", value: 2, timestamp: 19_000),
            ])
        let windows = try driver.windowStore("window-counts")
        #expect(
            windows.map { "\(String(decoding: $0.key, as: UTF8.self))@\($0.windowStart)..\($0.windowEnd)" }
                == ["a@0..10000", "a@10000..20000", "b@0..10000", "b@10000..20000"])
        #expect(try windows.map { try decodeLong($0.value) } == [2, 2, 1, 1])
    }

    @Test func lateRecordsAreCountedWithinTheGraceAndDroppedAfterIt() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "windowed-count", config: ["grace.ms": "5000"])
        try driver.pipe(key: Array("k".utf8), value: nil, timestamp: 3_000)
        try driver.pipe(key: Array("k".utf8), value: nil, timestamp: 14_999)
        // Window [0, 10000) closes at 10000 + 5000 of stream time: still open at 14999.
        try driver.pipe(key: Array("k".utf8), value: nil, timestamp: 4_000)
        try driver.pipe(key: Array("k".utf8), value: nil, timestamp: 15_000)
        try driver.pipe(key: Array("k".utf8), value: nil, timestamp: 5_000)
        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(output.map { "\($0.key!):\($0.value!)" } == ["k@0:1", "k@10000:1", "k@0:2", "k@10000:2"])
        #expect(driver.counters == ["late-records-dropped": 1])
    }

    @Test func aKeyThatIsNotTextIsRejectedAndCountsNothing() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "windowed-count")
        try driver.pipe(key: [0xff, 0xfe], value: nil, timestamp: 1_000)
        #expect(driver.readOutput() == [])
        #expect(try driver.windowStore("window-counts") == [])
        #expect(
            driver.deadLetters == [
                DeadLetter(
                    key: [0xff, 0xfe], value: nil, timestamp: 1_000, offset: 0,
                    reason: "cannot decode string key: the 2 bytes are not valid UTF-8")
            ])
    }

    @Test func aNegativeGraceIsRefusedAtInit() {
        let error = #expect(throws: (any Error).self) {
            try TestDriver(WordCountPlugin.self, processor: "windowed-count", config: ["grace.ms": "-1"])
        }
        #expect(
            error.map { "\($0)" }
                == "processor windowed-count failed to initialize: init failed: config grace.ms: -1 is negative; give 0 or more ms"
        )
    }

    /// A stored count, read with the serde the processor writes it with.
    private func decodeLong(_ bytes: [UInt8]) throws -> Int64 {
        try bytes.withUnsafeBytes { try BigEndianIntegerSerde<Int64>().deserialize($0) }
    }
}
