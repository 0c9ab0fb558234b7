/// One worker of the application as interactive queries see it (Kafka Streams'
/// `StreamsMetadata`): where its endpoint is, and the tasks, stores and input partitions it
/// runs, from the metadata topic.
public struct StreamsMetadata: Sendable, Codable, Equatable {
    public var instanceId: String
    /// Its `application.server` (`host:port`), nil when it has no endpoint.
    public var server: String?
    /// Tasks it runs and answers queries for, sorted.
    public var tasks: [String]
    /// Tasks it restores (answered 503 until restored), sorted.
    public var restoringTasks: [String]
    /// The stores of the tasks it runs, sorted.
    public var stores: [String]
    /// The source partitions of the tasks it runs (`topic-partition`), sorted.
    public var topicPartitions: [String]
}

/// Where one key of a store lives (Kafka Streams' `KeyQueryMetadata`): its partition, its
/// task, and the worker running that task, if any.
public struct KeyQueryMetadata: Sendable, Codable, Equatable {
    public var store: String
    public var partition: Int32
    public var task: String
    /// The worker running the task; nil when none does (restoring, or between owners).
    public var active: StreamsMetadata?
    /// Workers restoring the task.
    public var restoring: [String]
}

/// A store metadata lookup could not be made.
public struct StoreLookupError: Error, CustomStringConvertible, Equatable {
    public enum Kind: Sendable { case unknownStore, notStarted }
    public var kind: Kind
    public var description: String
}

extension StreamsApp {
    /// Every live worker of the application (this one included), by instance id.
    public func allMetadata() -> [StreamsMetadata] {
        let stores = queryableStores.values
        let sourceTopics = Dictionary(topology.subTopologies.map { ($0.id, $0.sourceTopics) }) { $1 }
        return (metadata?.members ?? []).map { member in
            let running = member.running.compactMap(TaskId.init)
            let subs = Set(running.map(\.subTopology))
            return StreamsMetadata(
                instanceId: member.instanceId, server: member.server, tasks: member.running,
                restoringTasks: member.restoring,
                stores: stores.filter { subs.contains($0.subTopology) }.map(\.name).sorted(),
                topicPartitions: running.flatMap { task in
                    (sourceTopics[task.subTopology] ?? []).map { "\($0)-\(task.partition)" }
                }.sorted())
        }
    }

    /// The live workers running a task of `store`.
    public func allMetadata(forStore store: String) throws(StoreLookupError) -> [StreamsMetadata] {
        _ = try lookup(store)
        return allMetadata().filter { $0.stores.contains(store) }
    }

    /// Where the serialized `key` of `store` lives: Kafka's default partitioner over the
    /// store's sub-topology's input partitions, and the worker the metadata topic says runs
    /// that task.
    public func metadata(forStore store: String, key: [UInt8]) throws(StoreLookupError) -> KeyQueryMetadata {
        let (found, count) = try lookup(store)
        let partition = KeyPartitioner.partition(of: key, partitionCount: count)
        let task = TaskId(subTopology: found.subTopology, partition: partition).description
        let members = allMetadata()
        return KeyQueryMetadata(
            store: store, partition: partition, task: task, active: members.first { $0.tasks.contains(task) },
            restoring: members.filter { $0.restoringTasks.contains(task) }.map(\.instanceId))
    }

    /// The store and its partition count, or why there is none.
    public func lookup(_ store: String) throws(StoreLookupError) -> (QueryableStore, Int32) {
        let stores = queryableStores
        guard let found = stores[store] else {
            throw StoreLookupError(
                kind: .unknownStore,
                description:
                    "no store '\(store)' in application \(config.applicationId); its stores: \(stores.keys.sorted().joined(separator: ", "))"
            )
        }
        guard let count = partitionCount(ofSubTopology: found.subTopology) else {
            throw StoreLookupError(
                kind: .notStarted,
                description: "the worker has not started: the partitions of store '\(store)' are not known yet")
        }
        return (found, count)
    }
}
