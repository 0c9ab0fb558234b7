import EddyKafka
import EddyState
import Foundation
import Logging

/// Kafka Streams' application reset tool, for `eddy app reset app.yaml`: the application's
/// next run processes its input again from the start, as if it had never run.
///
/// It refuses while any worker of the application is alive (by the metadata topic), then
/// commits the earliest offset of every input and repartition partition for the
/// application's group (or, for the inputs, the first offset at a given time), deletes the changelog and repartition topics (the next run creates
/// them anew), and removes this machine's task directories. Another machine's state
/// directory is wiped by running the tool there too (or the next run restores nothing: its
/// changelogs are gone, so stale local state is the one thing to remove everywhere).
public struct ApplicationReset {
    public let config: AppConfig
    public let topology: Topology
    public let logger: Logger
    private let plugins: PluginSet

    /// Where the inputs start again.
    public enum StartingPoint: Sendable, Equatable {
        /// Each partition's earliest offset.
        case earliest
        /// Each input partition's first record with a timestamp at least this (ms since the
        /// epoch); a partition with none starts at its end, as Kafka Streams' reset tool does.
        /// Repartition topics start at their earliest (they are deleted anyway).
        case time(Int64)
    }

    /// What a reset did, for the report the CLI prints.
    public struct Report: Sendable, Equatable {
        /// Partitions whose committed offset was rewound, as `topic-partition@offset`.
        public var rewound: [String]
        public var deletedTopics: [String]
        /// Task directories removed from this machine's state directory.
        public var removedTaskDirectories: [String]
    }

    public init(config: AppConfig, plugins: PluginSet, logger: Logger = Logger(label: "eddy.reset")) throws {
        self.config = config
        self.plugins = plugins
        self.topology = try Topology.build(config, plugins: plugins)
        self.logger = logger
    }

    /// Resets the application; throws ``ApplicationResetRefused`` while a worker runs.
    public func run(kafka: KafkaConfiguration, from start: StartingPoint = .earliest) throws -> Report {
        let live = try MetadataChannel.liveMembers(kafka: kafka, applicationId: config.applicationId)
        guard live.isEmpty else { throw ApplicationResetRefused(applicationId: config.applicationId, workers: live) }
        // One machine's running worker that the metadata topic does not show yet still holds
        // its state directory: claiming it refuses then.
        let stateDirectory = try StateDirectory(
            root: config.stateDir, applicationId: config.applicationId, environment: RocksDBEnvironment(memoryMB: 8))
        let claim = try stateDirectory.claim()
        defer { claim.release() }

        let admin = try KafkaAdmin(configuration: kafka, logger: logger)
        let metadata = try admin.metadata()
        let repartitions = topology.internalTopics.filter { $0.kind == .repartition }.map(\.name)
        let inputs = Set(topology.subTopologies.flatMap(\.sourceTopics)).subtracting(repartitions).sorted()
        var offsets: [KafkaTopicPartitionOffset] = []
        let reader = try KafkaConsumer(configuration: kafka, logger: logger)
        defer { reader.close() }
        for topic in inputs + repartitions {
            let partitions = (metadata.topic(topic)?.partitions ?? []).map {
                KafkaTopicPartition(topic: topic, partition: $0)
            }
            let byTime: [KafkaTopicPartition: Int64?]
            if case .time(let time) = start, !repartitions.contains(topic), !partitions.isEmpty {
                byTime = try reader.offsets(forTime: time, of: partitions, timeout: .seconds(10))
            } else {
                byTime = [:]
            }
            for partition in partitions {
                let offset: Int64
                switch byTime[partition] {
                case .some(.some(let found)): offset = found
                case .some(.none): offset = try reader.watermarks(partition, timeout: .seconds(10)).high
                case .none: offset = try reader.watermarks(partition, timeout: .seconds(10)).low
                }
                offsets.append(KafkaTopicPartitionOffset(topic: topic, partition: partition.partition, offset: offset))
            }
        }
        if !offsets.isEmpty { try commitAsTheGroup(offsets, kafka: kafka) }
        let changelogs = Set(
            topology.subTopologies.flatMap {
                StoreLayout.stores(
                    of: $0, config: config, plugins: plugins, sourceChangelogs: topology.sourceChangelogs)
            }.filter(\.logged).map {
                Topology.changelogTopic(config.applicationId, $0.name)
            })
        let deleted = (repartitions + changelogs.sorted()).filter {
            metadata.topic($0).map { $0.error == nil } ?? false
        }
        if !deleted.isEmpty { try admin.deleteTopics(deleted, ifExists: true) }

        var removed: [String] = []
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: stateDirectory.applicationPath)) ?? []
        for entry in entries.sorted() where TaskId(entry) != nil {
            try FileManager.default.removeItem(atPath: stateDirectory.taskPath(entry))
            removed.append(entry)
        }
        return Report(
            rewound: offsets.map { "\($0.topic)-\($0.partition)@\($0.offset)" }, deletedTopics: deleted,
            removedTaskDirectories: removed)
    }
}

extension ApplicationReset {
    /// Commits `offsets` for the application's group as a member of it: brokers refuse commits
    /// from outside a group's generation, and the group is empty (no worker runs), so this
    /// member gets every partition.
    private func commitAsTheGroup(_ offsets: [KafkaTopicPartitionOffset], kafka: KafkaConfiguration) throws {
        var groupConfig = kafka
        groupConfig["group.id"] = config.applicationId
        groupConfig["enable.auto.commit"] = "false"
        let group = try KafkaConsumer(configuration: groupConfig, logger: logger)
        defer { group.close() }
        try group.subscribe(topics: Array(Set(offsets.map(\.topic))).sorted())
        let deadline = ContinuousClock.now.advanced(by: .seconds(60))
        while try group.assignment().count < offsets.count {
            guard ContinuousClock.now < deadline else {
                throw KafkaError.client(
                    operation: "reset \(config.applicationId)",
                    reason: "the group did not assign its partitions within 60 s — is a worker still running?")
            }
            _ = try group.poll(maxRecords: 1, timeout: .milliseconds(100))
        }
        try group.commit(offsets)
    }
}

/// The reset tool refused: a worker of the application is running.
public struct ApplicationResetRefused: Error, CustomStringConvertible {
    public let applicationId: String
    public let workers: [InstanceMetadata]

    public var description: String {
        "application \(applicationId) has \(workers.count) running worker(s): "
            + workers.map { "\($0.instanceId)\($0.server.map { " (\($0))" } ?? "")" }.joined(separator: ", ")
            + " — stop every worker first (a stopped worker's record disappears at once; a killed one's after 10 s)"
    }
}
