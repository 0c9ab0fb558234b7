import EddyKafka

extension AppConfig {
    /// An internal topic as this application creates it: `replication.factor` replicas and the
    /// `topic.*` configs, under the topic's own configs.
    func internalTopic(_ name: String, partitions: Int32, configs: [String: String] = [:]) -> KafkaNewTopic {
        KafkaNewTopic(
            name: name, partitions: partitions, replicationFactor: Int32(operations.replicationFactor),
            configs: operations.topicConfigs.merging(configs) { $1 })
    }
}
