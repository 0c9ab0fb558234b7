import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// `replication.factor` and `topic.*` reach every internal topic the worker creates: the
/// changelog, the dead-letter and the metadata topic; a store's own configs win over `topic.*`.
@Suite struct InternalTopicsTests {
    @Test func topicConfigsReachEveryInternalTopic() throws {
        let cluster = try Cluster()
        try cluster.createTopic("events", partitions: 2)
        try cluster.createTopic("counts", partitions: 2)
        let dir = TemporaryDirectory()
        let id = uniqueName("topics")
        let config = try AppConfig.parse(
            yaml: appYAML(
                id: id, cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "replication.factor: 1\ntopic.retention.bytes: \"1048576\"\ntopic.cleanup.policy: delete",
                topology: countPerKeyTopology),
            file: "app.yaml")
        try runWorker(config) {}
        let admin = try KafkaAdmin(configuration: cluster.configuration)
        #expect(
            try admin.describeTopicConfigs("\(id)-key-counts-changelog") == [
                "cleanup.policy": "compact", "retention.bytes": "1048576",
            ])
        #expect(
            try admin.describeTopicConfigs("\(id)-dlq") == ["cleanup.policy": "delete", "retention.bytes": "1048576"])
        #expect(
            try admin.describeTopicConfigs("\(id)-streams-metadata") == [
                "cleanup.policy": "compact", "retention.bytes": "1048576",
            ])
        #expect(
            try admin.metadata(topic: "\(id)-key-counts-changelog").topic("\(id)-key-counts-changelog")?.partitions
                .count == 2)
    }
}
