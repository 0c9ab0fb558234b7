import EddySDK
import EddyTestKit
import Testing
import WordCount

/// The session counter, tested with the SDK's test driver: sessions per key that grow and
/// merge within the inactivity gap, a tombstone per session merged away, late records
/// dropped after the grace.
@Suite struct SessionCounterTests {
    @Test func sessionsGrowAndMergeWithATombstonePerSessionMergedAway() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "session-count")
        for (key, timestamp) in [("a", 1_000), ("a", 3_000), ("b", 2_000), ("a", 11_000), ("a", 6_000)] {
            try driver.pipe(key: Array(key.utf8), value: nil, timestamp: Int64(timestamp))
        }
        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(
            output == [
                TestRecord(key: "a@1000-1000", value: 1, timestamp: 1_000),
                TestRecord(key: "a@1000-1000", value: nil, timestamp: 1_000),
                TestRecord(key: "a@1000-3000", value: 2, timestamp: 3_000),
                TestRecord(key: "b@2000-2000", value: 1, timestamp: 2_000),
                TestRecord(key: "a@11000-11000", value: 1, timestamp: 11_000),
                // 6000 is within 5 s of both a@1000-3000 and a@11000-11000: one session of 4.
                TestRecord(key: "a@1000-3000", value: nil, timestamp: 3_000),
                TestRecord(key: "a@11000-11000", value: nil, timestamp: 11_000),
                TestRecord(key: "a@1000-11000", value: 4, timestamp: 11_000),
            ])
        let sessions = try driver.sessionStore("session-counts")
        #expect(
            sessions.map { "\(String(decoding: $0.key, as: UTF8.self))@\($0.windowStart)-\($0.windowEnd)" }
                == ["a@1000-11000", "b@2000-2000"])
        #expect(try sessions.map { try decodeLong($0.value) } == [4, 1])
    }

    @Test func lateRecordsMergeWithinTheGraceAndAreDroppedAfterIt() throws {
        let driver = try TestDriver(
            WordCountPlugin.self, processor: "session-count", config: ["inactivity.gap.ms": "2000", "grace.ms": "1000"])
        for timestamp in [1_000, 5_000, 2_500, 6_000, 1_900] {
            try driver.pipe(key: Array("k".utf8), value: nil, timestamp: Int64(timestamp))
        }
        // Stream time 5000, close at 5000 - 1000 - 2000 = 2000: 2500 merges into [1000, 2500].
        // At stream time 6000 the close is 3000: a record at 1900 (session [1000, 2500]) is late.
        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(
            output.map { "\($0.key!):\($0.value.map(String.init) ?? "null")" } == [
                "k@1000-1000:1", "k@5000-5000:1", "k@1000-1000:null", "k@1000-2500:2", "k@5000-5000:null",
                "k@5000-6000:2",
            ])
        #expect(driver.counters == ["late-records-dropped": 1])
    }

    @Test func badConfigIsRefusedAtInitAndAKeyThatIsNotTextIsRejected() throws {
        let error = #expect(throws: (any Error).self) {
            try TestDriver(WordCountPlugin.self, processor: "session-count", config: ["inactivity.gap.ms": "0"])
        }
        #expect(
            error.map { "\($0)" }
                == "processor session-count failed to initialize: init failed: config inactivity.gap.ms: 0 is not positive; give 1 or more ms"
        )
        let driver = try TestDriver(WordCountPlugin.self, processor: "session-count")
        try driver.pipe(key: [0xff], value: nil, timestamp: 1_000)
        #expect(driver.readOutput() == [])
        #expect(try driver.sessionStore("session-counts") == [])
        #expect(driver.deadLetters.map(\.reason) == ["cannot decode string key: the 1 bytes are not valid UTF-8"])
    }

    /// A stored count, read with the serde the processor writes it with.
    private func decodeLong(_ bytes: [UInt8]) throws -> Int64 {
        try bytes.withUnsafeBytes { try BigEndianIntegerSerde<Int64>().deserialize($0) }
    }
}
