import EddySDK

/// Enriches JSON payments: adds the configured currency, a risk score and a high-risk flag.
/// Records that are not a valid payment are rejected (they go to the dead-letter topic).
public struct Enricher: Processor {
    public static let name = "enrich"
    public static let doc: String? = "Adds currency, risk score and high-risk flag to JSON payments."
    public static let config: [ConfigKey] = [
        ConfigKey("currency", .string, default: "EUR", doc: "ISO currency code written into every payment."),
        ConfigKey("high.risk.threshold", .double, default: "0.8", doc: "Risk score from which a payment is high risk."),
    ]

    private let context: ProcessorContext
    private let currency: String
    private let threshold: Double

    public init(context: ProcessorContext) throws {
        self.context = context
        self.currency = try context.config("currency", as: String.self)
        self.threshold = try context.config("high.risk.threshold", as: Double.self)
    }

    public mutating func process(_ record: Record) throws {
        let payment: Transaction
        do {
            guard let decoded = try record.value(.json(Transaction.self)) else {
                throw ProcessorError.reject("payment has no value (tombstone)")
            }
            payment = decoded
        } catch let error as SerdeError {
            throw ProcessorError.reject("not a payment: \(error.reason)")
        }
        let score = RiskModel.score(amount: payment.amount, country: payment.country)
        let enriched = EnrichedTransaction(
            id: payment.id, amount: payment.amount, country: payment.country, currency: currency,
            riskScore: score, highRisk: score >= threshold)
        if enriched.highRisk { context.count("high-risk") }
        try context.forward(
            key: record.key, value: enriched, keySerde: .bytes, valueSerde: .json(EnrichedTransaction.self),
            timestamp: record.timestamp)
    }
}
