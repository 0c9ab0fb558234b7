import EddyKafka
import EddyRuntime
import EddyServer
import EddyTestSupport
import Foundation
import Logging
import Testing

/// Interactive queries of a global store and the global-store thread's figures on `/metrics`:
/// two workers of one application each hold the whole global table (its topic has three
/// partitions, the stream two), so each answers every key, range, prefix and `all` from its
/// own copy; `eddy store get --live` reads it through either; `/metrics` shows the records the
/// global thread applied and the keyless one it skipped, its finished bootstrap and no lag.
@Suite struct GlobalStoreQueryTests {
    static let shops: [(key: String, value: String)] = [
        ("s1", "north"), ("s2", "south"), ("s3", "east"), ("t1", "west"), ("s2", "south-west"),
    ]

    @Test func everyWorkerAnswersEveryKeyOfAGlobalStoreFromItsOwnCopy() throws {
        let cluster = try Cluster()
        try cluster.createTopic("shops", partitions: 3)
        try cluster.createTopic("sales", partitions: 2)
        try cluster.createTopic("out", partitions: 2)
        try cluster.produce(
            "shops",
            Self.shops.map { (key: $0.key, value: Array($0.value.utf8)) } + [(key: nil, value: Array("x".utf8))]
        ) { index in Int32(index % 3) }
        let id = uniqueName("global-queries")
        let dirs = [TemporaryDirectory(), TemporaryDirectory()]
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .warning
        let apps = try dirs.map { dir in
            try StreamsApp(
                config: try AppConfig.parse(
                    yaml: appYAML(
                        id: id, cluster: cluster, threads: 1, stateDir: dir.path,
                        topology: """
                            sources: [{name: sales, topics: [sales]}]
                            tables: [{name: shops, topic: shops, global: true}]
                            sinks: [{name: out, topic: out, inputs: [sales]}]
                            """),
                    file: "app.yaml"),
                clock: .system, logger: logger)
        }
        for app in apps { try app.start() }
        defer {
            for app in apps {
                app.requestStop()
                if let error = app.join() { Issue.record("worker ended with an error: \(error)") }
            }
        }
        let endpoints = try apps.map { try WorkerEndpoint(app: $0, bind: "127.0.0.1", port: 0, logger: logger) }
        defer { for endpoint in endpoints { endpoint.stop() } }

        for endpoint in endpoints {
            let port = endpoint.port
            #expect(
                try EndpointClient.get(port: port, "/stores/shops-store/keys/s2").body
                    == #"{"key":"s2","value":"south-west"}"# + "\n")
            #expect(
                try EndpointClient.get(port: port, "/stores/shops-store/keys/t1").body
                    == #"{"key":"t1","value":"west"}"# + "\n")
            let missing = try EndpointClient.get(port: port, "/stores/shops-store/keys/zz")
            #expect(missing.status == 404)
            #expect(
                try EndpointClient.get(port: port, "/stores/shops-store/all").body
                    == #"{"results":[{"key":"s1","value":"north"},{"key":"s2","value":"south-west"},{"key":"s3","value":"east"},{"key":"t1","value":"west"}]}"#
                    + "\n")
            #expect(
                try EndpointClient.get(port: port, "/stores/shops-store/prefix/s").body
                    == #"{"results":[{"key":"s1","value":"north"},{"key":"s2","value":"south-west"},{"key":"s3","value":"east"}]}"#
                    + "\n")
            #expect(
                try EndpointClient.get(port: port, "/stores/shops-store/range?from=s2&to=t0").body
                    == #"{"results":[{"key":"s2","value":"south-west"},{"key":"s3","value":"east"}]}"# + "\n")
            #expect(
                try EndpointClient.get(port: port, "/stores/shops-store").body
                    == #"{"global":true,"keySerde":"string","kind":"key-value","name":"shops-store","valueSerde":"string"}"#
                    + "\n")
            let wrongKind = try EndpointClient.get(port: port, "/stores/shops-store/windows/s1")
            #expect(wrongKind.status == 400)
        }

        let dir = TemporaryDirectory()
        let appFile = try dir.write(
            "app.yaml",
            appYAML(
                id: id, cluster: cluster, threads: 1, stateDir: dir.path,
                topology: """
                    sources: [{name: sales, topics: [sales]}]
                    tables: [{name: shops, topic: shops, global: true}]
                    sinks: [{name: out, topic: out, inputs: [sales]}]
                    """))
        for endpoint in endpoints {
            let live = try ProcessRunner.eddy([
                "store", "get", "--live", "--server", "127.0.0.1:\(endpoint.port)", appFile, "shops-store", "s3",
            ])
            #expect(live.status == 0, "\(live.stderr)")
            #expect(live.stdout == "east\n")
        }

        let thread = #"thread_id="GlobalStreamThread""#
        var text = ""
        try waitUntil("/metrics shows the global thread's figures and no lag", detail: { "; last scrape:\n\(text)" }) {
            text = try EndpointClient.get(port: endpoints[0].port, "/metrics").body
            return (0..<3).allSatisfy {
                MetricsEndpointTests.value(
                    text, #"kafka_consumer_fetch_manager_metrics_records_lag{topic="shops",partition="\#($0)"}"#) == 0
            }
        }
        #expect(MetricsEndpointTests.value(text, "kafka_streams_stream_thread_metrics_process_total{\(thread)}") == 5)
        #expect(
            MetricsEndpointTests.value(text, "kafka_streams_stream_thread_metrics_dropped_records_total{\(thread)}")
                == 1)
        #expect(MetricsEndpointTests.value(text, "eddy_global_stream_thread_bootstrapped") == 1)
        #expect(MetricsEndpointTests.value(text, "eddy_global_stream_thread_bootstrap_remaining_records") == 0)
        #expect(MetricsEndpointTests.parseErrors(text) == [])
    }
}
