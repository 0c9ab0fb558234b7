import EddySDK

/// The `fraud` plugin: a payment pipeline written in the Streams DSL, as a Kafka Streams
/// application would be. It exports the whole topology; `eddy run` runs it with
/// `topology: {plugin: Fraud}`, and `TopologyTestDriver` runs it in tests.
///
/// ```
/// payments ─ valid ─ risk ─┬─ block ── blocked ──┐
///                          ├─ review ─ reviewed ─┴─ alerts (merge) ── fraud-alerts
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

    public static func topology(_ builder: StreamsBuilder) { FraudTopology.build(builder, rules: FraudRules()) }
}

/// The fraud pipeline's topology, for every build of the plugin.
public enum FraudTopology {
    public static func build(_ builder: StreamsBuilder, rules: FraudRules) {
        let payments = builder.stream("payments", key: .string, value: .json(Payment.self), named: "payments")
        let valid = payments.filter(named: "valid") { _, payment in
            guard payment.amount > 0 else { throw ProcessorError.reject("amount \(payment.amount) is not positive") }
            return true
        }
        let risk = valid.split(named: "risk")
            .branch("block") { _, payment in rules.isLarge(payment) && rules.isWatched(payment) }
            .branch("review") { _, payment in rules.isLarge(payment) || rules.isWatched(payment) }
            .defaultBranch("normal")
        let blocked = risk["block"]!.mapValues(.json(Alert.self), named: "blocked") { payment in
            rules.alert(payment, action: "block")
        }
        let reviewed = risk["review"]!.mapValues(.json(Alert.self), named: "reviewed") { payment in
            rules.alert(payment, action: "review")
        }
        blocked.merge(reviewed, named: "alerts").to("fraud-alerts", named: "alerts-out")
        valid.groupBy(.string, named: "by-user") { _, payment in payment.user }
            .aggregate(.json(Spend.self), .as("spend-by-user"), named: "spend", initializer: { Spend() }) {
                _, payment, spend in
                spend.adding(payment.amount)
            }
            .toStream(named: "spend-updates")
            .to("spend-by-user", named: "spend-out")
        valid.groupBy(.string, named: "by-country") { _, payment in payment.country }
            .count(.as("payments-per-country"), named: "per-country")
            .toStream(named: "country-updates")
            .to("payments-per-country", named: "country-out")
    }
}

/// What makes a payment suspicious, and the alert it raises.
public struct FraudRules: Sendable {
    /// Payments from these countries are screened whatever their amount.
    public var watchedCountries: Set<String> = ["BR", "JP"]
    /// Payments of this amount or more are screened.
    public var largeAmount = 1_000.0
    /// Put before every alert's reason (a later build of the plugin says which it is).
    public var reasonPrefix = ""

    public init() {}

    public func isLarge(_ payment: Payment) -> Bool { payment.amount >= largeAmount }

    public func isWatched(_ payment: Payment) -> Bool { watchedCountries.contains(payment.country.uppercased()) }

    /// The alert for `payment`: `action` (block or review) and why.
    public func alert(_ payment: Payment, action: String) -> Alert {
        var reasons: [String] = []
        if isLarge(payment) { reasons.append("amount \(payment.amount) is at least \(largeAmount)") }
        if isWatched(payment) { reasons.append("country \(payment.country) is watched") }
        return Alert(
            id: payment.id, user: payment.user, amount: payment.amount,
            reason: "\(reasonPrefix)\(action): " + reasons.joined(separator: ", "))
    }
}
