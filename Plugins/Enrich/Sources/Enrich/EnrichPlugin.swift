import EddySDK

/// The `enrich` plugin: the `enrich` and `large-cents` processors, the `risk_score`,
/// `is_large`, `amount_cents` and `sum` typed functions, the large-payments pipeline as a
/// Streams DSL topology, and the `purchase-time` timestamp extractor.
public enum EnrichPlugin: Plugin {
    public static let name = "enrich"
    public static let version = "1.0.0"
    public static let doc: String? = "Payment enrichment with a risk model."
    public static var processors: [any Processor.Type] { [Enricher.self, LargeCents.self] }
    public static func topology(_ builder: StreamsBuilder) { LargePayments.topology(builder) }
    /// `purchase-time`: a purchase's event time is its `ts` (an application file's
    /// `timestamp.extractor: Enrich.purchase-time`).
    public static let streamFunctions: [StreamFunction] = [
        .timestampExtractor("purchase-time", key: .bytes, value: .json(Purchase.self)) { _, purchase, kafkaTime in
            purchase?.ts ?? kafkaTime
        }
    ]
    public static let functions: [TypedFunction] = [
        TypedFunction(
            "risk_score", signature: "f64(f64,str)", doc: "Risk of a payment (amount, country) in 0...1.",
            RiskModel.riskScoreFunction),
        TypedFunction(
            "is_large", signature: "bool(f64)", doc: "Whether a payment amount is above 10.", PaymentFunctions.isLarge),
        TypedFunction(
            "amount_cents", signature: "i64(f64)", doc: "A payment amount in cents, rounded.",
            PaymentFunctions.amountCents),
        TypedFunction(
            "sum", signature: "f64(f64,f64)", doc: "total + amount, for reduce and aggregate.", PaymentFunctions.sum),
    ]
}
