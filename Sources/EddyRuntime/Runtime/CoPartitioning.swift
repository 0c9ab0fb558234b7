import EddyEngine

/// Which source partitions must stay together on one task, and how the group keeps them so.
///
/// A task is a sub-topology × partition number: partition N of *every* topic a sub-topology
/// reads (the two sides of a join, the topics of a merge, a repartition topic beside another
/// source) belongs to task N, which runs on one stream thread of one worker.
///
/// librdkafka's `cooperative-sticky` assignor balances partitions one by one and keeps each
/// where it was, so it can give partition 2 of one topic to one worker and partition 2 of the
/// other topic to another: two copies of task `0_2`, each with half the records and a store
/// of its own. A topology where some sub-topology reads several topics therefore uses the
/// `range` assignor, which assigns each topic's partitions in ranges over the members sorted
/// the same way for every topic: with equal partition counts and equal subscriptions (every
/// stream thread subscribes to every source topic) partition N of each topic goes to the same
/// member, in every generation. Its price is the eager protocol: every rebalance revokes every
/// partition, so each member commits and closes all its tasks and reopens those it gets back
/// (from their checkpoints: after the revocation's commit nothing is left to restore). A
/// custom assignor would avoid that, but librdkafka has no public API for one, and Kafka
/// Streams' own assignor lives in the Java client. Topologies whose sub-topologies each read
/// one topic keep `cooperative-sticky`, which moves only the partitions that change owner.
///
/// `range` keeps partition N of several topics together only when their counts are equal,
/// so the worker refuses to start when a co-partition group (the inputs of a join) or the
/// topics of a sub-topology that keeps state differ in count. A stateless sub-topology
/// reading topics of different counts is left alone: its records are each processed once,
/// on whichever member holds their partition, and no state is split.
enum CoPartitioning {
    /// The `partition.assignment.strategy` of the stream threads' consumers.
    static func assignmentStrategy(for topology: Topology) -> String {
        topology.subTopologies.contains { $0.sourceTopics.count > 1 } ? "range" : "cooperative-sticky"
    }

    /// The groups of topics that must have equal partition counts: each sub-topology's declared
    /// co-partition groups, and all the topics of a stateful sub-topology reading several.
    static func groups(of topology: Topology, isStateful: (Topology.SubTopology) -> Bool) -> [[String]] {
        var groups: [[String]] = []
        for sub in topology.subTopologies {
            groups += sub.coPartitionGroups.filter { $0.count > 1 }
            if sub.sourceTopics.count > 1, isStateful(sub), !groups.contains(sub.sourceTopics) {
                groups.append(sub.sourceTopics)
            }
        }
        return groups
    }

    /// Throws, naming every topic of the first group whose partition counts differ and its
    /// count, when `partitions` (by topic) does not give each group one count.
    static func check(_ groups: [[String]], partitions: [String: Int32], file: String) throws(AppConfigError) {
        for group in groups {
            let counts = group.map { partitions[$0] }
            guard Set(counts).count > 1 else { continue }
            let listed = zip(group, counts).map {
                "\($0) (\($1.map { "\($0) partitions" } ?? "unknown partition count"))"
            }
            throw AppConfigError(
                file: file, line: nil, key: "topology",
                message:
                    "topics \(listed.joined(separator: ", ")) must be co-partitioned — partition N of each is processed by "
                    + "one task — but their partition counts differ; recreate them (or repartition one) with the same partition count"
            )
        }
    }
}
