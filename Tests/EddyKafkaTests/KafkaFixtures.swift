import EddyKafka
import EddyTestSupport
import Foundation
import Synchronization

/// Short group timeouts: the mock cluster finishes a join round only after
/// `session.timeout.ms − 1 s`.
func groupConsumerConfig(bootstrap: String, group: String, strategy: String) -> KafkaConfiguration {
    KafkaConfiguration([
        "bootstrap.servers": bootstrap,
        "group.id": group,
        "session.timeout.ms": "6000",
        "heartbeat.interval.ms": "500",
        "fetch.wait.max.ms": "10",
        "partition.assignment.strategy": strategy,
    ])
}

extension KafkaConsumer {
    /// Polls until `count` records have arrived or `timeout` has passed; returns what came
    /// (the caller asserts the exact records).
    func poll(until count: Int, timeout: Duration = .seconds(30)) throws -> [KafkaConsumerRecord] {
        var received: [KafkaConsumerRecord] = []
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while received.count < count, ContinuousClock.now < deadline {
            received += try poll(maxRecords: 1000, timeout: .milliseconds(200))
        }
        return received
    }
}

/// Polls a consumer on its own thread (polling blocks) until stopped, recording rebalance
/// events and the assignment after each poll.
final class PollingConsumer: @unchecked Sendable {
    let events = Observed<[KafkaRebalanceEvent]>([])
    let assignment = Observed<Set<KafkaTopicPartition>>([])
    private let stop = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)
    private(set) var consumer: KafkaConsumer!

    init(configuration: KafkaConfiguration, topic: String) throws {
        let events = self.events
        consumer = try KafkaConsumer(configuration: configuration) { _, event in
            events.update { $0.append(event) }
        }
        try consumer.subscribe(topics: [topic])
        let thread = Thread { [self] in
            while !stop.load(ordering: .relaxed) {
                _ = try? consumer.poll(maxRecords: 100, timeout: .milliseconds(50))
                if let current = try? consumer.assignment() {
                    let set = Set(current)
                    if set != assignment.value { assignment.update { $0 = set } }
                }
            }
            consumer.close()
            finished.signal()
        }
        thread.start()
    }

    /// Leaves the group (the listener sees the revocation) and waits for the thread to end.
    func close() {
        stop.store(true, ordering: .relaxed)
        finished.wait()
    }
}
