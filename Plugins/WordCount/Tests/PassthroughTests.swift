import EddySDK
import EddyTestKit
import Testing
import WordCount

/// The benchmarks' W1 processor forwards each record exactly as it came in.
@Suite struct PassthroughTests {
    @Test func forwardsKeyValueTimestampAndHeadersUnchanged() throws {
        let driver = try TestDriver(WordCountPlugin.self, processor: "passthrough")
        let header = Header(key: "trace", value: [1, 2, 3])
        try driver.pipe(
            key: Array("user-00000000042".utf8), value: Array(#"{"amount":12.5}"#.utf8), timestamp: 7, headers: [header]
        )
        try driver.pipe(key: nil, value: nil, timestamp: 9)
        try driver.pipe(key: [], value: [0, 255], timestamp: 11)

        #expect(
            driver.readOutput() == [
                ForwardedRecord(
                    key: Array("user-00000000042".utf8), value: Array(#"{"amount":12.5}"#.utf8), timestamp: 7,
                    headers: [header]),
                ForwardedRecord(key: nil, value: nil, timestamp: 9),
                ForwardedRecord(key: [], value: [0, 255], timestamp: 11),
            ])
        #expect(driver.deadLetters == [])
    }
}
