import EddySDK

/// Windowed counts of clicks per user, one topology per window type, each with every update
/// and (where the test needs it) the final results of `suppress(untilWindowCloses)`.
enum DSLWindows: Plugin {
    static let name = "dsl-windows"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        let tumbling = builder.stream("clicks", key: .string, value: .string)
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(10, grace: 5))
            .count(.as("tumbling-counts"))
        tumbling.toStream().to("tumbling")
        tumbling.suppress(.untilWindowCloses(), named: "tumbling-final").toStream().to("tumbling-final")

        builder.stream("hops", key: .string, value: .string)
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(300_000).advanceBy(60_000))
            .count(.as("hopping-counts"))
            .toStream().to("hopping")

        builder.stream("slides", key: .string, value: .string)
            .groupByKey()
            .windowedBy(SlidingWindows.ofTimeDifference(10, grace: 20))
            .count(.as("sliding-counts"))
            .toStream().to("sliding")

        let sessions = builder.stream("visits", key: .string, value: .string)
            .groupByKey()
            .windowedBy(SessionWindows.ofInactivityGap(10, grace: 30))
            .count(.as("session-counts"))
        sessions.toStream().to("sessions")
        sessions.suppress(.untilWindowCloses(), named: "sessions-final").toStream().to("sessions-final")

        // Sums of amounts per session: `aggregate` with a merger, over values of the form "<amount>".
        builder.stream("amounts", key: .string, value: .string)
            .groupByKey()
            .windowedBy(SessionWindows.ofInactivityGap(10, grace: 100))
            .aggregate(
                .int64, .as("session-sums"), initializer: { Int64(0) }, merger: { _, left, right in left + right }
            ) { _, value, sum in
                sum + (Int64(value) ?? 0)
            }
            .toStream().to("session-sums")
    }
}

/// Suppression of a table without windows, by time limit, with and without a bound; and a
/// bounded window-closes buffer that must shut down when full.
enum DSLSuppressions: Plugin {
    static let name = "dsl-suppressions"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        let counts = builder.stream("events", key: .string, value: .string).groupByKey().count(.as("event-counts"))
        counts.suppress(.untilTimeLimit(10), named: "limited").toStream().to("limited")
        counts.suppress(.untilTimeLimit(100, maxRecords: 1), named: "bounded").toStream().to("bounded")

        builder.stream("strict", key: .string, value: .string)
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(10))
            .count(.as("strict-counts"))
            .suppress(.untilWindowCloses(maxRecords: 1), named: "strict-final")
            .toStream().to("strict-final")
    }
}

/// Event time from the value (`"<time> <text>"`), through a `TimestampExtractor`; a value
/// without a time is rejected, a negative one goes to the error policy.
enum DSLEventTime: Plugin {
    static let name = "dsl-event-time"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        let extractor = TimestampExtractor(key: .string, value: .string) { _, value, _ in
            guard let time = value?.split(separator: " ").first.flatMap({ Int64($0) }) else {
                throw ProcessorError.reject("no event time in '\(value ?? "")'")
            }
            return time
        }
        builder.stream("readings", key: .string, value: .string, timestamps: extractor)
            .groupByKey()
            .windowedBy(TimeWindows.ofSize(100))
            .count(.as("reading-counts"))
            .toStream().to("reading-counts")
    }
}
