import EddyRuntime
import Testing

/// The operations keys of an application file: defaults as in Kafka Streams, and every
/// mistake reported with its line and the fix.
@Suite struct OperationsConfigTests {
    static let header = """
        application.id: shop
        bootstrap.servers: localhost:9092
        topology:
          sources: [{name: in, topics: [a]}]
          sinks: [{name: out, topic: b, inputs: [in]}]

        """

    func parse(_ yaml: String) throws -> OperationsConfig {
        try AppConfig.parse(yaml: Self.header + yaml, file: "app.yaml").operations
    }

    func error(_ yaml: String) -> String? {
        do {
            _ = try parse(yaml)
            return nil
        } catch {
            return "\(error)"
        }
    }

    @Test func defaultsAreKafkaStreams() throws {
        let operations = try parse("")
        #expect(operations.server == nil)
        #expect(operations.serverBind == "127.0.0.1")
        #expect(operations.processingHandler == .deadLetter)  // the deserialization handler's default
        #expect(operations.productionHandler == .fail)
        #expect(operations.uncaughtHandler == .shutdownClient)
        #expect(operations.replicationFactor == -1)
        #expect(operations.topicConfigs == [:])
        #expect(operations.stateCleanupDelayMs == 600_000)
        #expect(operations.recordingLevel == .info)
    }

    @Test func everyKeyIsRead() throws {
        let operations = try parse(
            """
            application.server: worker-1.example:7070
            application.server.bind: 0.0.0.0
            default.deserialization.exception.handler: fail
            processing.exception.handler: log_and_continue
            default.production.exception.handler: continue
            uncaught.exception.handler: replace_thread
            replication.factor: 3
            topic.min.insync.replicas: 2
            topic.segment.bytes: "1048576"
            state.cleanup.delay.ms: 0
            metrics.recording.level: debug
            """)
        #expect(operations.server == ServerAddress(host: "worker-1.example", port: 7070))
        #expect(operations.serverBind == "0.0.0.0")
        #expect(operations.processingHandler == .logAndContinue)
        #expect(operations.productionHandler == .continue)
        #expect(operations.uncaughtHandler == .replaceThread)
        #expect(operations.replicationFactor == 3)
        #expect(operations.topicConfigs == ["min.insync.replicas": "2", "segment.bytes": "1048576"])
        #expect(operations.stateCleanupDelayMs == 0)
        #expect(operations.recordingLevel == .debug)
    }

    @Test func processingHandlerFollowsTheDeserializationHandler() throws {
        #expect(try parse("default.deserialization.exception.handler: fail\n").processingHandler == .fail)
    }

    @Test func mistakesNameTheLineAndTheFix() {
        #expect(
            error("application.server: 7070\n") == """
                app.yaml:6: application.server: '7070' is not host:port — give the address other workers and clients reach this worker at, e.g. `localhost:7070`
                """)
        #expect(
            error("application.server.bind: 0.0.0.0\n") == """
                app.yaml:6: application.server.bind: sets where the endpoint listens, but there is no endpoint — add `application.server: host:port`
                """)
        #expect(
            error("application.server: a:1\napplication.server.bind: 0.0.0.0:7070\n") == """
                app.yaml:7: application.server.bind: '0.0.0.0:7070' is not an address to listen on — give one without a port, e.g. `0.0.0.0` or `127.0.0.1`
                """)
        #expect(
            error("uncaught.exception.handler: replace\n") == """
                app.yaml:6: uncaught.exception.handler: 'replace' is not one of replace_thread, shutdown_client, shutdown_application
                """)
        #expect(
            error("default.production.exception.handler: skip\n") == """
                app.yaml:6: default.production.exception.handler: 'skip' is not one of fail, continue
                """)
        #expect(
            error("processing.exception.handler: ignore\n") == """
                app.yaml:6: processing.exception.handler: 'ignore' is not one of fail, log_and_continue, dead_letter
                """)
        #expect(
            error("replication.factor: 0\n") == """
                app.yaml:6: replication.factor: '0' is not -1 (the broker's default) or a number of replicas in 1...32
                """)
        #expect(
            error("state.cleanup.delay.ms: -5\n") == """
                app.yaml:6: state.cleanup.delay.ms: '-5' is not a whole number in 0...31536000000
                """)
        #expect(
            error("metrics.recording.level: TRACE\n") == """
                app.yaml:6: metrics.recording.level: 'TRACE' is not INFO or DEBUG (DEBUG adds the store metrics)
                """)
        #expect(
            error("topic.: x\n") == """
                app.yaml:6: topic.: give a topic config after `topic.`, e.g. `topic.min.insync.replicas: 2`
                """)
    }
}
