import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `processing.exception.handler` decides about records a processor rejects, apart from
/// `default.deserialization.exception.handler`: here the first dead-letters a payment the
/// processor refuses while the second would stop the worker.
@Suite struct ProcessingHandlerTests {
    @Test func aRejectedRecordFollowsTheProcessingHandler() throws {
        let cluster = try Cluster()
        try cluster.createTopic("payments", partitions: 1)
        try cluster.createTopic("enriched", partitions: 1)
        try cluster.produce(
            "payments",
            [
                ("p1", Array(#"{"unexpected":true}"#.utf8)),
                ("p2", Array(#"{"id":"p2","amount":10,"country":"FR"}"#.utf8)),
            ])
        let dir = TemporaryDirectory()
        let id = uniqueName("processing-handler")
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: id, cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "default.deserialization.exception.handler: fail\nprocessing.exception.handler: dead_letter",
                topology: WorkerExitTests.payments), file: "app.yaml")
        var enriched: [KafkaConsumerRecord] = [], dead: [KafkaConsumerRecord] = []
        try runWorker(config) {
            enriched = try cluster.read("enriched", count: 1)
            dead = try cluster.read("\(id)-dlq", count: 1)
        }
        #expect(enriched.map(\.keyString) == ["p2"])
        #expect(dead.map(\.keyString) == ["p1"])
        let headers = Dictionary(
            dead[0].headers.map { ($0.key, $0.value.map { String(decoding: $0, as: UTF8.self) } ?? "") }
        ) { $1 }
        #expect(headers["eddy.error.kind"] == "processor")
        #expect(headers["eddy.error.node"] == "enrich")
    }
}
