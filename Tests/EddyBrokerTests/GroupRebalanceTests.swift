import EddyKafka
import EddyTestSupport
import Foundation
import Synchronization
import Testing

extension BrokerTests {
    /// Join rounds end as soon as every known member has rejoined (the stock mock waits
    /// `session.timeout.ms − 1 s` per round and 3 s for the first). The members' 30 s session
    /// timeout puts the stock mock's round at 29 s, far from the bound, so a busy machine does
    /// not fail the test and the stock behaviour cannot pass it.
    @Suite struct GroupRebalanceTests {
        @Test func twoMembersReachAStableAssignmentQuickly() throws {
            let broker = try EmbeddedBroker()
            let topic = uniqueName("group")
            let group = uniqueName("members")
            try createTopic(broker, topic, partitions: 4)
            let all = Set((0..<4).map { KafkaTopicPartition(topic: topic, partition: $0) })
            var configuration = consumerConfig(broker, group: group)
            configuration["session.timeout.ms"] = "30000"

            let first = try GroupMember(configuration: configuration, topic: topic)
            defer { first.close() }
            try first.waitForAssignment("the first member to own all partitions") { $0 == all }

            let joined = ContinuousClock.now
            let second = try GroupMember(configuration: configuration, topic: topic)
            defer { second.close() }
            try second.waitForAssignment("the second member to own two partitions") { $0.count == 2 }
            try first.waitForAssignment("the first member to keep the other two") { $0.count == 2 }
            let elapsed = ContinuousClock.now - joined

            #expect(first.assignment.union(second.assignment) == all)
            #expect(first.assignment.isDisjoint(with: second.assignment))
            #expect(elapsed < .seconds(10), "stable assignment took \(elapsed)")
        }
    }
}

/// A subscribed consumer polled on its own thread (polling blocks), exposing its assignment.
final class GroupMember: Sendable {
    private let state = Mutex<Set<KafkaTopicPartition>>([])
    private let stop = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init(configuration: KafkaConfiguration, topic: String) throws {
        let consumer = try KafkaConsumer(configuration: configuration)
        try consumer.subscribe(topics: [topic])
        let thread = Thread { [self] in
            while !stop.load(ordering: .relaxed) {
                _ = try? consumer.poll(maxRecords: 100, timeout: .milliseconds(20))
                if let current = try? consumer.assignment() {
                    state.withLock { $0 = Set(current) }
                }
            }
            consumer.close()
            finished.signal()
        }
        thread.start()
    }

    var assignment: Set<KafkaTopicPartition> { state.withLock { $0 } }

    /// Checks the assignment every few milliseconds until `condition` holds, for at most 30 s.
    func waitForAssignment(_ what: String, _ condition: (Set<KafkaTopicPartition>) -> Bool) throws {
        let deadline = ContinuousClock.now.advanced(by: .seconds(30))
        while !condition(assignment) {
            guard ContinuousClock.now < deadline else {
                throw TestTimeout(description: "timed out waiting for \(what); assignment: \(assignment.sorted())")
            }
            Thread.sleep(forTimeInterval: 0.005)
        }
    }

    /// Leaves the group and waits for the polling thread to end.
    func close() {
        guard !stop.exchange(true, ordering: .relaxed) else { return }
        finished.wait()
    }
}
