import EddySDK
import EddyTestKit
import Testing
import WordCount

/// The word-count processor, tested as a plugin author would: with the SDK's test driver.
@Suite struct WordCounterTests {
    @Test func countsEachWordAndForwardsRunningCounts() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "word-count")
        try driver.pipe(value: "The cat and the hat", valueSerde: .string, timestamp: 100)
        try driver.pipe(value: "a CAT!", valueSerde: .string, timestamp: 250)

        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(
            output == [
                TestRecord(key: "the", value: 1, timestamp: 100),
                TestRecord(key: "cat", value: 1, timestamp: 100),
                TestRecord(key: "and", value: 1, timestamp: 100),
                TestRecord(key: "the", value: 2, timestamp: 100),
                TestRecord(key: "hat", value: 1, timestamp: 100),
                TestRecord(key: "a", value: 1, timestamp: 250),
                TestRecord(key: "cat", value: 2, timestamp: 250),
            ])
        let counts = try driver.keyValueStore("counts", key: .string, value: .int64)
        #expect(counts.map(\.key) == ["a", "and", "cat", "hat", "the"])
        #expect(counts.map(\.value) == [1, 1, 2, 1, 2])
    }

    @Test func nullAndEmptyValuesForwardNothing() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "word-count")
        try driver.pipe(key: Array("k".utf8), value: nil, timestamp: 1)
        try driver.pipe(value: "  ...  ", valueSerde: .string, timestamp: 2)
        #expect(driver.readOutput() == [])
        #expect(try driver.keyValueStore("counts") == [])
        #expect(driver.deadLetters == [])
    }

    @Test func invalidUTF8FailsTheTaskWithTheSerdesReason() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "word-count")
        #expect(
            throws: TestDriverError.failed(
                processor: "word-count", message: "cannot decode string value: the 2 bytes are not valid UTF-8")
        ) {
            try driver.pipe(key: nil, value: [0xff, 0xfe], timestamp: 1)
        }
    }

    @Test func splitsOnEverythingButLettersAndDigits() {
        #expect(WordCounter.words(in: "Hello, wörld-2 x_y") == ["hello", "wörld", "2", "x", "y"])
    }
}
