import EddyKafka
import EddyTestSupport
import Testing

/// Two consumers sharing a 6-partition topic through one group, for both rebalance protocols.
/// Each join round takes ~5 s on the mock cluster (`session.timeout.ms − 1 s`).
@Suite struct ConsumerGroupTests {
    static let all = Set((0..<6).map { Int32($0) })

    @Test func eagerRebalanceSplitsThenHandsBackEverything() throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = uniqueName("eager")
        try cluster.createTopic(topic, partitions: 6)
        let config = groupConsumerConfig(bootstrap: cluster.bootstrapServers, group: uniqueName("g"), strategy: "range")

        let a = try PollingConsumer(configuration: config, topic: topic)
        try a.assignment.wait(for: "A to own all 6 partitions") { $0.count == 6 }
        #expect(a.events.value == [.assigned(Self.partitions(topic, Self.all))])

        let b = try PollingConsumer(configuration: config, topic: topic)
        try b.assignment.wait(for: "B to own 3 partitions") { $0.count == 3 }
        try a.assignment.wait(for: "A to own 3 partitions") { $0.count == 3 }
        let aSet = Set(a.assignment.value.map(\.partition))
        let bSet = Set(b.assignment.value.map(\.partition))
        #expect(Set([aSet, bSet]) == Set([[0, 1, 2], [3, 4, 5]]))
        // Eager: A gives everything back, then receives its new half. Under load the group may
        // run extra rounds that hand each member the same half again (revoke, assign): allowed.
        let aEvents = a.events.value
        #expect(
            Array(aEvents.prefix(3)) == [
                .assigned(Self.partitions(topic, Self.all)),
                .revoked(Self.partitions(topic, Self.all)),
                .assigned(Self.partitions(topic, aSet)),
            ])
        #expect(aEvents.dropFirst(2).allSatisfy { $0.partitions == Self.partitions(topic, aSet) })
        #expect(b.events.value.first == .assigned(Self.partitions(topic, bSet)))
        #expect(b.events.value.allSatisfy { $0.partitions == Self.partitions(topic, bSet) })

        b.close()
        #expect(b.events.value.last == .revoked(Self.partitions(topic, bSet)))
        try a.assignment.wait(for: "A to own all 6 again") { $0.count == 6 }
        #expect(
            Array(a.events.value.suffix(2)) == [
                .revoked(Self.partitions(topic, aSet)), .assigned(Self.partitions(topic, Self.all)),
            ])
        a.close()
    }

    @Test func cooperativeRebalanceMovesOnlyWhatChangesOwner() throws {
        let cluster = try KafkaMockCluster(brokers: 1)
        let topic = uniqueName("coop")
        try cluster.createTopic(topic, partitions: 6)
        let config = groupConsumerConfig(
            bootstrap: cluster.bootstrapServers, group: uniqueName("g"), strategy: "cooperative-sticky")

        let a = try PollingConsumer(configuration: config, topic: topic)
        try a.assignment.wait(for: "A to own all 6 partitions") { $0.count == 6 }
        #expect(a.consumer.rebalanceProtocol == .cooperative)

        let b = try PollingConsumer(configuration: config, topic: topic)
        try b.assignment.wait(for: "B to own 3 partitions") { $0.count == 3 }
        try a.assignment.wait(for: "A to own 3 partitions") { $0.count == 3 }
        let aSet = Set(a.assignment.value.map(\.partition))
        let bSet = Set(b.assignment.value.map(\.partition))
        #expect(aSet.isDisjoint(with: bSet) && aSet.union(bSet) == Self.all)
        // Cooperative: A revokes only the 3 partitions that move to B and keeps the rest.
        let aEvents = a.events.value.filter { !$0.partitions.isEmpty }
        #expect(aEvents == [.assigned(Self.partitions(topic, Self.all)), .revoked(Self.partitions(topic, bSet))])
        #expect(b.events.value.filter { !$0.partitions.isEmpty } == [.assigned(Self.partitions(topic, bSet))])

        b.close()
        #expect(b.events.value.last == .revoked(Self.partitions(topic, bSet)))
        try a.assignment.wait(for: "A to own all 6 again") { $0.count == 6 }
        #expect(a.events.value.filter { !$0.partitions.isEmpty }.last == .assigned(Self.partitions(topic, bSet)))
        a.close()
    }

    static func partitions(_ topic: String, _ ids: Set<Int32>) -> [KafkaTopicPartition] {
        ids.sorted().map { KafkaTopicPartition(topic: topic, partition: $0) }
    }
}
