import EddyKafka
import EddyRuntime
import EddyServer
import EddyTestSupport
import Foundation
import Logging
import Testing

/// `GET /metrics` during a run: Kafka Streams' thread metrics move, a plugin's own counter
/// appears labelled by plugin and processor, and the text parses as Prometheus exposition
/// format.
@Suite struct MetricsEndpointTests {
    static let topology = """
        sources:
          - {name: payments, topics: [payments], value.serde: json}
        processors:
          - {name: enrich, plugin: Enrich, processor: enrich, inputs: [payments], config: {high.risk.threshold: "0"}}
        sinks:
          - {name: out, topic: enriched, inputs: [enrich], value.serde: json}
        """

    @Test func scrapeShowsRatesAndThePluginsCounter() throws {
        let cluster = try Cluster()
        try cluster.createTopic("payments", partitions: 2)
        try cluster.createTopic("enriched", partitions: 2)
        let payments = (0..<500).map { i in ("p\(i)", Array(#"{"id":"p\#(i)","amount":\#(i),"country":"FR"}"#.utf8)) }
        try cluster.produce("payments", payments.map { ($0.0, Optional($0.1)) })
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("metrics"), cluster: cluster, threads: 1, stateDir: dir.path, topology: Self.topology),
            file: "app.yaml")
        try runWorker(config) { app in
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            _ = try cluster.read("enriched", count: 500)
            var text = ""
            try waitUntil(
                "/metrics shows the 500 records and the plugin's counter", detail: { "; last scrape:\n\(text)" }
            ) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return text.contains(
                    #"kafka_streams_stream_thread_metrics_process_total{thread_id="StreamThread-0"} 500"#)
                    && text.contains(#"eddy_plugin_counter{plugin="Enrich",processor="enrich",name="high-risk"} 500"#)
            }
            #expect(
                try #require(
                    Self.value(text, #"kafka_streams_stream_thread_metrics_process_rate{thread_id="StreamThread-0"}"#))
                    > 0)
            #expect(
                try #require(
                    Self.value(text, #"kafka_streams_stream_thread_metrics_poll_rate{thread_id="StreamThread-0"}"#)) > 0
            )
            #expect(
                try #require(
                    Self.value(text, #"kafka_streams_stream_thread_metrics_commit_total{thread_id="StreamThread-0"}"#))
                    >= 1)
            #expect(
                try #require(
                    Self.value(
                        text, #"kafka_streams_stream_thread_metrics_process_latency_max{thread_id="StreamThread-0"}"#))
                    >= 0)
            #expect(
                Self.value(text, #"kafka_streams_stream_thread_metrics_active_tasks{thread_id="StreamThread-0"}"#) == 2)
            #expect(Self.value(text, #"eddy_stream_thread_replacements_total"#) == 0)
            #expect(
                Self.value(text, #"kafka_streams_stream_thread_metrics_punctuate_total{thread_id="StreamThread-0"}"#)
                    == 0)
            #expect(
                Self.value(text, #"kafka_streams_stream_thread_metrics_punctuate_rate{thread_id="StreamThread-0"}"#)
                    == 0)
            // Lag comes from librdkafka's statistics (once a second): both partitions drained.
            let lag = (0..<2).map {
                #"kafka_consumer_fetch_manager_metrics_records_lag{topic="payments",partition="\#($0)"}"#
            }
            try waitUntil("/metrics shows both payments partitions with no lag", detail: { "; last scrape:\n\(text)" })
            {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return lag.allSatisfy { Self.value(text, $0) == 0 }
            }
            #expect(
                try #require(
                    Self.value(text, #"kafka_consumer_coordinator_metrics_rebalance_total{thread_id="StreamThread-0"}"#)
                ) >= 1)
            #expect(
                Self.value(
                    text, #"kafka_streams_stream_thread_metrics_records_restored_total{thread_id="StreamThread-0"}"#)
                    == 0)
            #expect(
                Self.value(
                    text,
                    #"kafka_streams_stream_thread_metrics_restore_remaining_records_total{thread_id="StreamThread-0"}"#)
                    == 0)
            #expect(Self.value(text, "eddy_plugin_reloads_total") == 0)
            #expect(Self.value(text, "eddy_plugin_reload_refusals_total") == 0)
            #expect(Self.parseErrors(text) == [])
        }
    }

    /// Per task: `dropped-records-total` counts the null-key records a count skips in the task
    /// that met them, and `active-process-ratio` moves for the task that processed records.
    @Test func perTaskDroppedRecordsAndActiveProcessRatio() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("task-metrics"), cluster: cluster, threads: 1, stateDir: dir.path,
                topology: countPerKeyTopology), file: "app.yaml")
        try runWorker(config) { app in
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            // Ten counted records in partition 0, three null keys (skipped) in partition 1.
            let records: [(key: String?, value: [UInt8]?)] =
                (0..<10).map { _ in ("k", [1]) } + (0..<3).map { _ in (nil, [1]) }
            try cluster.produce("events", records) { $0 < 10 ? 0 : 1 }
            _ = try cluster.read("counts", count: 10)
            let thread = #"thread_id="StreamThread-0""#
            let dropped0 = "kafka_streams_stream_task_metrics_dropped_records_total{\(thread),task_id=\"0_0\"}"
            let dropped1 = "kafka_streams_stream_task_metrics_dropped_records_total{\(thread),task_id=\"0_1\"}"
            let ratio0 = "kafka_streams_stream_task_metrics_active_process_ratio{\(thread),task_id=\"0_0\"}"
            var text = ""
            try waitUntil(
                "/metrics shows task 0_1's three dropped records and task 0_0 processing",
                detail: { "; last scrape:\n\(text)" }
            ) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return Self.value(text, dropped1) == 3 && (Self.value(text, ratio0) ?? 0) > 0
            }
            #expect(Self.value(text, dropped0) == 0)
            #expect(try #require(Self.value(text, ratio0)) <= 1)
            #expect(Self.value(text, "kafka_streams_stream_thread_metrics_dropped_records_total{\(thread)}") == 3)
            #expect(!text.contains("kafka_streams_stream_state_metrics"), "store metrics are recorded at DEBUG only")
            #expect(Self.parseErrors(text) == [])
        }
    }

    /// At `metrics.recording.level: DEBUG` each task's stores report Kafka Streams' state-store
    /// metrics: the count's get and put per record, with their rates and average latencies.
    @Test func storeMetricsAtDebug() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let dir = TemporaryDirectory()
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: uniqueName("store-metrics"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "metrics.recording.level: DEBUG",
                topology: countPerKeyTopology), file: "app.yaml")
        try runWorker(config) { app in
            let endpoint = try WorkerEndpoint(app: app, bind: "127.0.0.1", port: 0, logger: Logger(label: "test"))
            defer { endpoint.stop() }
            let records: [(key: String?, value: [UInt8]?)] = (0..<10).map { i in ("k\(i % 2)", [1]) }
            try cluster.produce("events", records) { _ in 0 }
            _ = try cluster.read("counts", count: 10)
            let labels = #"{thread_id="StreamThread-0",task_id="0_0",store_name="key-counts"}"#
            var text = ""
            try waitUntil("/metrics shows the ten puts into task 0_0's store", detail: { "; last scrape:\n\(text)" }) {
                text = try EndpointClient.get(port: endpoint.port, "/metrics").body
                return Self.value(text, "kafka_streams_stream_state_metrics_put_total" + labels) == 10
            }
            #expect(Self.value(text, "kafka_streams_stream_state_metrics_get_total" + labels) == 10)
            #expect(try #require(Self.value(text, "kafka_streams_stream_state_metrics_put_rate" + labels)) > 0)
            #expect(try #require(Self.value(text, "kafka_streams_stream_state_metrics_put_latency_avg" + labels)) > 0)
            #expect(
                !text.contains(#"task_id="0_1",store_name"#), "task 0_1 had no record, so its store was never called")
            #expect(Self.parseErrors(text) == [])
        }
    }

    /// The value of the sample `series` (name and labels exactly as printed).
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    /// Lines that are not Prometheus text exposition format (version 0.0.4), and samples whose
    /// metric has no `# TYPE` line before them.
    static func parseErrors(_ text: String) -> [String] {
        let sample =
            /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.eE+-]+|NaN|\+Inf|-Inf)$/
        let type = /^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (counter|gauge|histogram|summary|untyped)$/
        var typed: Set<String> = []
        var errors: [String] = []
        for line in text.split(separator: "\n").map(String.init) {
            if let match = line.wholeMatch(of: type) {
                typed.insert(String(match.1))
            } else if line.hasPrefix("# HELP ") {
                continue
            } else if let match = line.wholeMatch(of: sample) {
                if !typed.contains(String(match.1)) { errors.append("no # TYPE before: \(line)") }
            } else {
                errors.append(line)
            }
        }
        return errors
    }
}
