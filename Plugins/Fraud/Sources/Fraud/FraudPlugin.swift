import EddySDK

/// The `fraud` plugin: a payment pipeline written in the Streams DSL, as a Kafka Streams
/// application would be. It exports the whole topology; `eddy run` runs it with
/// `topology: {plugin: Fraud}`, and `TopologyTestDriver` runs it in tests.
///
/// ```
/// payments ─ valid ─ risk ─┬─ high ── alert ── fraud-alerts
///                          └─ normal                  (for the application file's nodes)
///            valid ─ group by user ─ aggregate spend ── spend-by-user
///            valid ─ group by country ─ count ──────── payments-per-country
/// ```
///
/// A payment whose amount is not positive is rejected: the host dead-letters it with the
/// reason. Grouping by user and by country re-keys the payments, so each goes through a
/// repartition topic (`<application.id>-by-user-repartition`, `…-by-country-repartition`)
/// before its aggregation, whose store is changelogged and queryable.
public enum FraudPlugin: Plugin {
    public static let name = "fraud"
    public static let version = "1.0.0"
    public static let doc: String? = "Fraud screening, spend per user and payments per country, in the Streams DSL."

    /// Payments from these countries are screened whatever their amount.
    public static let watchedCountries: Set<String> = ["BR", "JP"]
    /// Payments of this amount or more are screened.
    public static let largeAmount = 1_000.0

    public static func topology(_ builder: StreamsBuilder) {
        let payments = builder.stream("payments", key: .string, value: .json(Payment.self), named: "payments")
        let valid = payments.filter(named: "valid") { _, payment in
            guard payment.amount > 0 else { throw ProcessorError.reject("amount \(payment.amount) is not positive") }
            return true
        }
        let risk = valid.split(named: "risk")
            .branch("high") { _, payment in reason(payment) != nil }
            .defaultBranch("normal")
        risk["high"]!
            .mapValues(.json(Alert.self), named: "alert") { payment in
                Alert(id: payment.id, user: payment.user, amount: payment.amount, reason: reason(payment) ?? "")
            }
            .to("fraud-alerts", named: "alerts")
        valid.groupBy(.string, named: "by-user") { _, payment in payment.user }
            .aggregate(.json(Spend.self), .as("spend-by-user"), named: "spend", initializer: { Spend() }) { _, payment, spend in
                spend.adding(payment.amount)
            }
            .toStream(named: "spend-updates")
            .to("spend-by-user", named: "spend-out")
        valid.groupBy(.string, named: "by-country") { _, payment in payment.country }
            .count(.as("payments-per-country"), named: "per-country")
            .toStream(named: "country-updates")
            .to("payments-per-country", named: "country-out")
    }

    /// Why `payment` needs a look, or nil when it does not.
    public static func reason(_ payment: Payment) -> String? {
        if payment.amount >= largeAmount { return "amount \(payment.amount) is at least \(largeAmount)" }
        if watchedCountries.contains(payment.country.uppercased()) { return "country \(payment.country) is watched" }
        return nil
    }
}
