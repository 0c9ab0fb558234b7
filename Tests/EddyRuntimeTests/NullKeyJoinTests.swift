import EddyKafka
import EddyRuntime
import EddyServer
import EddyTestSupport
import Foundation
import Logging
import Testing

/// KIP-962 on a real broker: a left stream–table join of the application file joins a click
/// with a null key with null (Kafka Streams 3.7+ no longer drops it), while an inner join of
/// the same stream drops it and counts it in the task's `dropped-records-total`.
@Suite struct NullKeyJoinTests {
    @Test func leftStreamTableJoinKeepsANullKeyRecordAndAnInnerJoinDropsAndCountsIt() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "left-joined", "inner-joined"] {
            try cluster.createTopic(topic, partitions: 1)
        }
        try cluster.produce("users", [(key: "u1", value: Array(#""Ann""#.utf8))])
        try cluster.produce(
            "clicks", [(key: nil, value: Array(#""c0""#.utf8)), (key: "u1", value: Array(#""c1""#.utf8))])
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("null-key-join"), cluster: cluster, threads: 1, stateDir: dir.path,
                // As in `JoinTests`: the clicks wait (bounded) for the user the table reads a
                // moment later under load; this test is about null keys, not the first fetch.
                extra: "commit.interval.ms: 50\nmax.task.idle.ms: 500",
                topology: """
                    sources: [{name: clicks, topics: [clicks], value.serde: json}]
                    tables: [{name: users, topic: users, value.serde: json}]
                    processors:
                      - {name: left-joined, type: join, join: left, inputs: [clicks, users]}
                      - {name: inner-joined, type: join, inputs: [clicks, users]}
                    sinks:
                      - {name: left-out, topic: left-joined, inputs: [left-joined], value.serde: json}
                      - {name: inner-out, topic: inner-joined, inputs: [inner-joined], value.serde: json}
                    """),
            file: "app.yaml")
        try runWorker(config) { app in
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            let left = try cluster.read("left-joined", count: 2)
            #expect(
                left.map(Self.rendered) == [#"null {"left":"c0","right":null}"#, #"u1 {"left":"c1","right":"Ann"}"#])
            let inner = try cluster.read("inner-joined", count: 1)
            #expect(inner.map(Self.rendered) == [#"u1 {"left":"c1","right":"Ann"}"#])
            let dropped =
                #"kafka_streams_stream_task_metrics_dropped_records_total{thread_id="StreamThread-0",task_id="0_0"}"#
            var text = ""
            try waitUntil(
                "/metrics shows the inner join's dropped null-key click", detail: { "; last scrape:\n\(text)" }
            ) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return MetricsEndpointTests.value(text, dropped) == 1
            }
        }
    }

    /// `key {json value with sorted keys}` (`null` for a null key).
    private static func rendered(_ record: KafkaConsumerRecord) -> String {
        let object = (try? JSONSerialization.jsonObject(with: Data(record.value ?? []))) ?? NSNull()
        let json = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])).map {
            String(decoding: $0, as: UTF8.self)
        }
        return "\(record.keyString ?? "null") \(json ?? "?")"
    }
}
