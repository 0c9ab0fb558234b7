import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Logging
import Testing

/// `default.production.exception.handler`: a record the producer refuses as too large stops
/// the worker under `fail` (saying what to raise), and is skipped under `continue` while the
/// records around it are written.
@Suite struct ProductionHandlerTests {
    static let topology = """
        sources:
          - {name: lines, topics: [lines]}
        sinks:
          - {name: out, topic: copies, inputs: [lines]}
        """

    func app(_ cluster: Cluster, _ dir: TemporaryDirectory, handler: String) throws -> AppConfig {
        let yaml = appYAML(
            id: uniqueName("production"), cluster: cluster, threads: 1, stateDir: dir.path,
            extra: "default.production.exception.handler: \(handler)", topology: Self.topology)
        return try AppConfig.parse(
            yaml: yaml.replacingOccurrences(of: "kafka:\n", with: "kafka:\n  message.max.bytes: \"1000\"\n"),
            file: "app.yaml")
    }

    func produceOneTooLarge(_ cluster: Cluster) throws {
        try cluster.createTopic("lines", partitions: 1)
        try cluster.createTopic("copies", partitions: 1)
        try cluster.produce(
            "lines",
            [("a", Array("small".utf8)), ("b", Array(repeating: 120, count: 4000)), ("c", Array("after".utf8))])
    }

    @Test func continueSkipsTheRecordTooLarge() throws {
        let cluster = try Cluster()
        try produceOneTooLarge(cluster)
        let dir = TemporaryDirectory()
        var copies: [KafkaConsumerRecord] = []
        try runWorker(try app(cluster, dir, handler: "continue")) {
            copies = try cluster.read("copies", count: 2)
        }
        #expect(copies.map { "\($0.keyString ?? "") \($0.valueString ?? "")" } == ["a small", "c after"])
    }

    @Test func failStopsTheWorkerAndSaysWhatToRaise() throws {
        let cluster = try Cluster()
        try produceOneTooLarge(cluster)
        let dir = TemporaryDirectory()
        var logger = Logger(label: "eddy.test")
        logger.logLevel = .critical
        let worker = try StreamsApp(config: try app(cluster, dir, handler: "fail"), logger: logger)
        try worker.start()
        let error = worker.join()  // the failed thread stops the worker (shutdown_client)
        #expect(worker.stopCause == .failed(0, ProductionRefusedMarker()))
        #expect(
            "\(error.map { "\($0)" } ?? "")".hasPrefix(
                "the producer refused a record of 4001 bytes for copies: Broker: Message size too large — raise the producer's message.max.bytes"
            ))
    }
}

/// Any error: ``WorkerStopCause`` compares failures by thread only.
struct ProductionRefusedMarker: Error {}
