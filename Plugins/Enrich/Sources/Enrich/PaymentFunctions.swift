import EddySDK

/// Typed functions over payment fields, for the declarative topology's built-in operators
/// (`filter`, `map_values`): the host calls them through libffi with values taken from JSON
/// fields of each record.
public enum PaymentFunctions {
    /// Amounts above this are "large".
    public static let largeAmount = 10.0

    /// `is_large(f64 amount) -> bool`: whether a payment is above ``largeAmount``.
    static let isLarge: @convention(c) (Double) -> Bool = { amount in amount > largeAmount }

    /// `sum(f64 total, f64 amount) -> f64`: a running total, for `reduce` and `aggregate`.
    static let sum: @convention(c) (Double, Double) -> Double = { total, amount in total + amount }

    /// `amount_cents(f64 amount) -> i64`: the amount in cents, rounded to the nearest cent.
    static let amountCents: @convention(c) (Double) -> Int64 = { amount in Int64((amount * 100).rounded()) }
}
