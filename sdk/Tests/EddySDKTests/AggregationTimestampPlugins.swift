import EddySDK

/// Aggregations of one stream of events (`ts-events`, string keys and values) whose results
/// carry Kafka Streams' timestamps: `count`, `reduce` and `aggregate` per key and in
/// tumbling windows of 100 ms, and the count per key joined with a table of users
/// (`ts-users`), for `AggregationTimestampTests`.
enum DSLAggregationTimestamps: Plugin {
    static let name = "dsl-aggregation-timestamps"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        let events = builder.stream("ts-events", key: .string, value: .string).groupByKey()
        let counts = events.count(.as("ts-counts"))
        counts.toStream().to("ts-counted")
        events.reduce(.as("ts-reduced")) { $0 + $1 }.toStream().to("ts-reduced")
        events.aggregate(.string, .as("ts-aggregated"), initializer: { "-" }) { _, value, aggregate in
            aggregate + value
        }
        .toStream().to("ts-aggregated")

        let windowed = events.windowedBy(TimeWindows.ofSize(100))
        windowed.count(.as("ts-windowed-counts")).toStream().to("ts-windowed-counted")
        windowed.reduce(.as("ts-windowed-reduced")) { $0 + $1 }.toStream().to("ts-windowed-reduced")

        let users = builder.table("ts-users", key: .string, value: .string, materialized: .as("ts-users-store"))
        counts.join(users, value: .string) { count, user in "\(count) \(user)" }.toStream().to("ts-joined")
    }
}
