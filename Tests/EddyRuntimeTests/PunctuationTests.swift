import EddyKafka
import EddyRuntime
import EddyTestSupport
import Testing

/// Stream-time punctuations fire as record timestamps advance; wall-clock ones as the
/// worker's clock does. Both are driven explicitly: record timestamps and a manual clock.
@Suite struct PunctuationTests {
    @Test func streamTimeAndWallClockPunctuationsFireAtTheRightTimes() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 1)
        try cluster.createTopic("reports", partitions: 1)
        let timestamps = [100, 600, 1100, 1500, 3500]
        try cluster.produce("events", timestamps.map { (nil, Array(#"{"ts":\#($0)}"#.utf8)) }) { _ in 0 }
        let dir = TemporaryDirectory()
        let topology = """
            sources:
              - name: events
                topics: [events]
                value.serde: json
                timestamp.field: ts
            processors:
              - name: activity
                plugin: WordCount
                processor: activity
                config: {stream.interval.ms: "1000", wall.interval.ms: "5000"}
                inputs: [events]
            sinks:
              - name: out
                topic: reports
                inputs: [activity]
            """
        let config = try AppConfig.parse(
            yaml: appYAML(id: uniqueName("tick"), cluster: cluster, threads: 1, stateDir: dir.path, topology: topology),
            file: "app.yaml")
        let clock = ManualClock(1_000_000)

        func reports(_ count: Int) throws -> [String] {
            try cluster.read("reports", count: count).map { "\($0.keyString ?? "") \($0.valueString ?? "")" }
        }
        try runWorker(config, clock: clock.clock) { app in
            // First due one interval after the first record (100 + 1000); the jump to 3500 fires once.
            let two = try reports(2)
            #expect(two == ["stream 1100:3", "stream 3500:2"])
            clock.set(1_005_000)
            let three = try reports(3)
            #expect(three == ["stream 1100:3", "stream 3500:2", "wall 1005000:5"])
            // Jumping 7 s fires once, then the next due is the next 5 s boundary (1_015_000).
            clock.set(1_012_000)
            let four = try reports(4)
            #expect(four == ["stream 1100:3", "stream 3500:2", "wall 1005000:5", "wall 1012000:0"])
            clock.set(1_015_000)
            let five = try reports(5)
            #expect(five.last == "wall 1015000:0")
            // Each report is one punctuation: Kafka Streams' punctuate-total counts them.
            #expect(app.sampleThreads().map(\.punctuations) == [5])
        }
    }
}
