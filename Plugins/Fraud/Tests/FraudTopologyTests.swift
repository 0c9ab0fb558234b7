import EddySDK
import EddyTestKit
import Fraud
import Testing

/// The fraud pipeline run whole by `TopologyTestDriver`: no Kafka, the host's own operators.
/// `Tests/EddyRuntimeTests/FraudPipelineTests.swift` asserts the same against the broker.
@Suite struct FraudTopologyTests {
    /// Seven payments: two to review (large, watched country), one to block (both), one invalid.
    static let payments = [
        Payment(id: "p1", user: "ann", amount: 40, country: "NL"),
        Payment(id: "p2", user: "bob", amount: 1_500, country: "DE"),
        Payment(id: "p3", user: "ann", amount: 60, country: "BR"),
        Payment(id: "p4", user: "cy", amount: -5, country: "NL"),
        Payment(id: "p5", user: "bob", amount: 10, country: "NL"),
        Payment(id: "p6", user: "ann", amount: 100, country: "DE"),
        Payment(id: "p7", user: "cy", amount: 5_000, country: "JP"),
    ]

    @Test func screensSumsAndCounts() throws {
        let driver = try TopologyTestDriver(FraudPlugin.self, applicationId: "fraud")
        let input = driver.inputTopic("payments", key: .string, value: .json(Payment.self))
        for (index, payment) in Self.payments.enumerated() {
            try input.pipe(key: payment.id, value: payment, timestamp: Int64(index))
        }

        #expect(
            try driver.outputTopic("fraud-alerts", key: .string, value: .json(Alert.self)).readKeyValues() == [
                KeyValue(
                    "p2",
                    Alert(id: "p2", user: "bob", amount: 1_500, reason: "review: amount 1500.0 is at least 1000.0")),
                KeyValue("p3", Alert(id: "p3", user: "ann", amount: 60, reason: "review: country BR is watched")),
                KeyValue(
                    "p7",
                    Alert(
                        id: "p7", user: "cy", amount: 5_000,
                        reason: "block: amount 5000.0 is at least 1000.0, country JP is watched")),
            ])
        #expect(
            try driver.outputTopic("spend-by-user", key: .string, value: .json(Spend.self)).readKeyValues() == [
                KeyValue("ann", Spend(payments: 1, total: 40)), KeyValue("bob", Spend(payments: 1, total: 1_500)),
                KeyValue("ann", Spend(payments: 2, total: 100)), KeyValue("bob", Spend(payments: 2, total: 1_510)),
                KeyValue("ann", Spend(payments: 3, total: 200)), KeyValue("cy", Spend(payments: 1, total: 5_000)),
            ])
        #expect(
            try driver.outputTopic("payments-per-country", key: .string, value: .int64).readKeyValues() == [
                KeyValue("NL", 1), KeyValue("DE", 1), KeyValue("BR", 1), KeyValue("NL", 2), KeyValue("DE", 2),
                KeyValue("JP", 1),
            ])
        #expect(
            try driver.keyValueStore("spend-by-user", key: .string, value: .json(Spend.self)) == [
                KeyValue("ann", Spend(payments: 3, total: 200)), KeyValue("bob", Spend(payments: 2, total: 1_510)),
                KeyValue("cy", Spend(payments: 1, total: 5_000)),
            ])
        #expect(
            driver.deadLetters == [
                DeadLetter(
                    key: Array("p4".utf8), value: try JSONSerde(Payment.self).serialize(Self.payments[3]) { Array($0) },
                    timestamp: 3,
                    offset: 3, reason: "amount -5.0 is not positive", node: "valid")
            ])
    }

    @Test func theTopologyHasThreeSubTopologiesAndTwoRepartitionTopics() throws {
        let driver = try TopologyTestDriver(FraudPlugin.self, applicationId: "fraud")
        #expect(driver.topology.subTopologies.count == 3)
        #expect(
            driver.topology.internalTopics.map(\.name) == ["fraud-by-user-repartition", "fraud-by-country-repartition"])
        #expect(
            driver.topology.sourceTopics == ["payments", "fraud-by-user-repartition", "fraud-by-country-repartition"])
    }
}
