import EddySDK

/// A card purchase as the benchmarks' load generator writes it (JSON).
public struct Purchase: Codable, Equatable, Sendable {
    public var user: String
    public var amount: Double
    public var ts: Int64
    public var merchant: String
    public var currency: String
    public var country: String
    /// The amount in cents; added by the large-payments pipeline.
    public var amountCents: Int64?

    public init(
        user: String, amount: Double, ts: Int64, merchant: String, currency: String, country: String,
        amountCents: Int64? = nil
    ) {
        self.user = user
        self.amount = amount
        self.ts = ts
        self.merchant = merchant
        self.currency = currency
        self.country = country
        self.amountCents = amountCents
    }

    /// The purchase with its amount in cents, rounded to the nearest cent.
    public var inCents: Purchase {
        var copy = self
        copy.amountCents = Int64((amount * 100).rounded())
        return copy
    }
}

/// Keeps the large payments and adds their amount in cents: the work of the benchmarks' W2,
/// whose application file does it with the built-ins `filter` (`is_large`) and `map_values`
/// (`amount_cents`). Here the same in the Streams DSL (the plugin's exported topology, from
/// `payments` to `payments-in-cents`) and in one Processor API processor (`large-cents`).
public enum LargePayments {
    public static func topology(_ builder: StreamsBuilder) {
        builder.stream("payments", key: .bytes, value: .json(Purchase.self), named: "payments")
            .filter(named: "large") { _, purchase in purchase.amount > PaymentFunctions.largeAmount }
            .mapValues(.json(Purchase.self), named: "cents") { purchase in purchase.inCents }
            .to("payments-in-cents", named: "out")
    }
}

/// `large-cents`: the large-payments pipeline in one processor.
public struct LargeCents: Processor {
    public static let name = "large-cents"
    public static let doc: String? = "Keeps payments above 10 and adds amountCents (the W2 work in one processor)."
    private let context: ProcessorContext

    public init(context: ProcessorContext) throws { self.context = context }

    public mutating func process(_ record: Record) throws {
        let purchase: Purchase
        do {
            guard let decoded = try record.value(.json(Purchase.self)) else {
                throw ProcessorError.reject("purchase has no value (tombstone)")
            }
            purchase = decoded
        } catch let error as SerdeError {
            throw ProcessorError.reject("not a purchase: \(error.reason)")
        }
        guard purchase.amount > PaymentFunctions.largeAmount else { return }
        try context.forward(
            key: record.key, value: purchase.inCents, keySerde: .bytes, valueSerde: .json(Purchase.self),
            timestamp: record.timestamp)
    }
}
