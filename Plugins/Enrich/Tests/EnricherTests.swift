import EddySDK
import EddyTestKit
import Enrich
import Testing

/// The enrich processor and its risk model, tested with the SDK's test driver.
@Suite struct EnricherTests {
    private let payment = JSONSerde(Transaction.self)
    private let enriched = JSONSerde(EnrichedTransaction.self)

    @Test func enrichesWithConfiguredCurrencyAndThreshold() throws {
        let driver = try TestDriver(
            EnrichPlugin.self, processor: "enrich", config: ["currency": "USD", "high.risk.threshold": "0.6"])
        try driver.pipe(
            key: "p1", value: Transaction(id: "p1", amount: 2_000, country: "nl"), keySerde: .string,
            valueSerde: payment, timestamp: 5)
        try driver.pipe(
            key: "p2", value: Transaction(id: "p2", amount: 5_000, country: "BR"), keySerde: .string,
            valueSerde: payment, timestamp: 6)

        let output = try driver.readOutput(keySerde: .string, valueSerde: enriched)
        #expect(
            output == [
                TestRecord(
                    key: "p1",
                    value: EnrichedTransaction(
                        id: "p1", amount: 2_000, country: "nl", currency: "USD", riskScore: 0.2, highRisk: false),
                    timestamp: 5),
                TestRecord(
                    key: "p2",
                    value: EnrichedTransaction(
                        id: "p2", amount: 5_000, country: "BR", currency: "USD", riskScore: 0.65, highRisk: true),
                    timestamp: 6),
            ])
        #expect(driver.counters == ["high-risk": 1])
    }

    @Test func forwardsSortedKeyJSON() throws {
        let driver = try TestDriver(EnrichPlugin.self, processor: "enrich")
        try driver.pipe(
            key: nil, value: Array(#"{"id":"x","amount":0,"country":"DE"}"#.utf8), timestamp: 1)
        let output = driver.readOutput()
        #expect(output.count == 1)
        #expect(
            output.first.flatMap { $0.value.map { String(decoding: $0, as: UTF8.self) } }
                == #"{"amount":0,"country":"DE","currency":"EUR","highRisk":false,"id":"x","riskScore":0.1}"#)
    }

    @Test func rejectsWhatIsNotAPayment() throws {
        let driver = try TestDriver(EnrichPlugin.self, processor: "enrich")
        try driver.pipe(key: Array("bad".utf8), value: Array(#"{"id":"x"}"#.utf8), timestamp: 7)
        try driver.pipe(key: Array("gone".utf8), value: nil, timestamp: 8)
        #expect(driver.readOutput() == [])
        #expect(driver.deadLetters.map(\.key) == [Array("bad".utf8), Array("gone".utf8)])
        #expect(driver.deadLetters.map(\.offset) == [0, 1])
        #expect(driver.deadLetters[0].reason.hasPrefix("not a payment: "))
        #expect(driver.deadLetters[0].reason.contains("amount"))
        #expect(driver.deadLetters[1].reason == "payment has no value (tombstone)")
    }

    @Test func refusesABadThresholdBeforeInit() {
        let error = #expect(throws: (any Error).self) {
            _ = try TestDriver(EnrichPlugin.self, processor: "enrich", config: ["high.risk.threshold": "high"])
        }
        #expect(error.map { "\($0)" } == #"processor enrich: config high.risk.threshold must be a number, got "high""#)
    }

    @Test func riskModel() {
        #expect(RiskModel.score(amount: 0, country: "NL") == 0.1)
        #expect(RiskModel.score(amount: 10_000, country: "us") == 0.7)
        #expect(RiskModel.score(amount: 50_000, country: "ZZ") == 1)
        #expect(RiskModel.score(amount: -5, country: "FR") == 0.15)
    }
}
