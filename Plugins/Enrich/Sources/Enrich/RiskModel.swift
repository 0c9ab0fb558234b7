import EddySDK

/// A deliberately simple, deterministic risk model: a per-country base risk plus a share
/// that grows with the amount, capped at 1.
public enum RiskModel {
    /// Base risk per ISO country code; other countries get `defaultCountryRisk`.
    public static let countryRisk: [String: Double] = ["NL": 0.1, "DE": 0.1, "FR": 0.15, "US": 0.2, "BR": 0.4]
    public static let defaultCountryRisk = 0.5
    /// The amount at which the amount share reaches its maximum of 0.5.
    public static let amountCeiling = 10_000.0

    /// The risk of a payment of `amount` from `country`, in `0...1`.
    public static func score(amount: Double, country: String) -> Double {
        let base = countryRisk[country.uppercased()] ?? defaultCountryRisk
        let amountShare = min(max(amount, 0) / amountCeiling, 1) * 0.5
        return min(base + amountShare, 1)
    }

    /// `risk_score(f64 amount, str country) -> f64`, the typed function the plugin exports.
    static let riskScoreFunction: @convention(c) (Double, eddy_str) -> Double = { amount, country in
        score(amount: amount, country: country.string)
    }
}
