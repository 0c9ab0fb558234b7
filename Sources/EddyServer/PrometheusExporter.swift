import CoreMetrics
import EddyRuntime
import Prometheus

/// A worker's metrics in Prometheus text format: Kafka Streams' metric names (the JMX
/// exporter's form, `kafka_streams_stream_thread_metrics_process_rate{thread_id=…}`) and the
/// plugins' own, recorded through swift-metrics into a swift-prometheus registry of this
/// worker's own (not the process-wide `MetricsSystem`, so that several workers in one process,
/// as in tests, never mix).
final class PrometheusExporter: @unchecked Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let factory: PrometheusMetricsFactory
    /// Gauges and counters by name and labels, made once.
    private var gauges: [String: CoreMetrics.Gauge] = [:]
    private var counters: [String: (counter: CoreMetrics.Counter, value: Int64)] = [:]

    init() {
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// Records the worker's current figures and returns the exposition text. Called by one
    /// scrape at a time.
    func scrape(_ app: StreamsApp, ring: MetricsRing) -> [UInt8] {
        for window in ring.windows() {
            let thread = [("thread_id", "StreamThread-\(window.latest.thread)")]
            let prefix = "kafka_streams_stream_thread_metrics_"
            set(prefix + "process_rate", thread, window.processRate)
            set(prefix + "process_total", thread, Double(window.latest.processed))
            set(prefix + "process_latency_avg", thread, window.processLatencyAvgMs)
            set(prefix + "process_latency_max", thread, window.processLatencyMaxMs)
            set(prefix + "process_ratio", thread, window.processRatio)
            set(prefix + "poll_rate", thread, window.pollRate)
            set(prefix + "poll_total", thread, Double(window.latest.polls))
            set(prefix + "commit_rate", thread, window.commitRate)
            set(prefix + "commit_total", thread, Double(window.latest.commits))
            set(prefix + "commit_latency_avg", thread, window.commitLatencyAvgMs)
            set(prefix + "punctuate_rate", thread, window.punctuateRate)
            set(prefix + "punctuate_total", thread, Double(window.latest.punctuations))
            set(prefix + "punctuate_latency_avg", thread, window.punctuateLatencyAvgMs)
            set(prefix + "commit_latency_max", thread, window.commitLatencyMaxMs)
            set(prefix + "dropped_records_total", thread, Double(window.latest.dropped))
            set(prefix + "failed_records_total", thread, Double(window.latest.failed))
            set(prefix + "active_tasks", thread, Double(window.latest.tasks))
            set(prefix + "restoring_tasks", thread, Double(window.latest.restoringTasks))
            set(
                prefix + "restore_remaining_records_total", thread,
                Double(max(0, window.latest.restoreTotal - window.latest.restoreDone)))
            set(prefix + "records_restored_total", thread, Double(window.latest.restored))
            set("kafka_consumer_coordinator_metrics_rebalance_total", thread, Double(window.latest.rebalances))
            for task in window.latest.taskSamples {
                let labels = thread + [("task_id", task.task)]
                set("kafka_streams_stream_task_metrics_dropped_records_total", labels, Double(task.dropped))
                set(
                    "kafka_streams_stream_task_metrics_active_process_ratio", labels,
                    window.taskProcessRatio[task.task] ?? 0)
                set(
                    "kafka_streams_stream_task_metrics_enforced_processing_total", labels,
                    Double(task.enforcedProcessing))
                set(
                    "kafka_streams_stream_task_metrics_enforced_processing_rate", labels,
                    window.taskEnforcedProcessingRate[task.task] ?? 0)
                set("eddy_stream_task_idle_seconds_total", labels, Double(task.idleNanos) / 1e9)
            }
            for operation in window.storeOperations {
                let labels = thread + [("task_id", operation.task), ("store_name", operation.store)]
                let prefix = "kafka_streams_stream_state_metrics_" + operation.operation
                set(prefix + "_rate", labels, operation.rate)
                set(prefix + "_total", labels, Double(operation.total))
                set(prefix + "_latency_avg", labels, operation.latencyAvgMs)
            }
        }
        for (partition, lag) in app.partitionLag() {
            set(
                "kafka_consumer_fetch_manager_metrics_records_lag",
                [("topic", partition.topic), ("partition", "\(partition.partition)")], Double(lag))
        }
        if let global = app.globalThreadFigures {
            // Kafka Streams reports its global thread under the stream-thread metrics too.
            let thread = [("thread_id", "GlobalStreamThread")]
            set("kafka_streams_stream_thread_metrics_process_total", thread, Double(global.applied))
            set("kafka_streams_stream_thread_metrics_dropped_records_total", thread, Double(global.skipped))
            set("eddy_global_stream_thread_bootstrapped", [], global.bootstrapped ? 1 : 0)
            set("eddy_global_stream_thread_bootstrap_remaining_records", [], Double(global.bootstrapRemaining))
            for (partition, lag) in global.lag {
                set(
                    "kafka_consumer_fetch_manager_metrics_records_lag",
                    [("topic", partition.topic), ("partition", "\(partition.partition)")], Double(lag))
            }
        }
        set("eddy_stream_thread_replacements_total", [], Double(app.threadReplacements))
        set("eddy_plugin_reloads_total", [], Double(app.reloadCount.load(ordering: .relaxed)))
        set("eddy_plugin_reload_refusals_total", [], Double(app.reloadRefusals))
        for restart in app.pluginRestarts {
            advance(
                "eddy_plugin_restarts_total", [("plugin", restart.plugin), ("reason", restart.reason)],
                to: Int64(restart.count))
        }
        var pluginCounters: [String: (labels: [(String, String)], value: Int64)] = [:]
        for metric in app.pluginMetrics() {
            let labels = [("plugin", metric.plugin), ("processor", metric.processor), ("name", metric.name)]
            switch metric.kind {
            case .counter:
                let key = labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
                pluginCounters[key, default: (labels, 0)].value += Int64(metric.value)
            case .gauge:
                set("eddy_plugin_gauge", labels + [("task_id", metric.task)], metric.value)
            }
        }
        for (_, counter) in pluginCounters { advance("eddy_plugin_counter", counter.labels, to: counter.value) }
        return registry.emitToBuffer()
    }

    // MARK: - Private

    private func set(_ name: String, _ labels: [(String, String)], _ value: Double) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        let gauge = gauges[key] ?? CoreMetrics.Gauge(label: name, dimensions: labels, factory: factory)
        gauges[key] = gauge
        gauge.record(value)
    }

    /// Counters only go up: adds what the plugin counted since the last scrape.
    private func advance(_ name: String, _ labels: [(String, String)], to value: Int64) {
        let key = name + labels.map { "\($0.0)=\($0.1)" }.joined(separator: ",")
        var entry = counters[key] ?? (CoreMetrics.Counter(label: name, dimensions: labels, factory: factory), 0)
        if value > entry.value { entry.counter.increment(by: value - entry.value) }
        entry.value = max(entry.value, value)
        counters[key] = entry
    }
}
