/// A card payment as it arrives on the `payments` topic (JSON), keyed by its id.
public struct Payment: Codable, Equatable, Sendable {
    public var id: String
    public var user: String
    public var amount: Double
    public var country: String

    public init(id: String, user: String, amount: Double, country: String) {
        self.id = id
        self.user = user
        self.amount = amount
        self.country = country
    }
}

/// A payment that looks like fraud, with why (JSON on `fraud-alerts`).
public struct Alert: Codable, Equatable, Sendable {
    public var id: String
    public var user: String
    public var amount: Double
    public var reason: String

    public init(id: String, user: String, amount: Double, reason: String) {
        self.id = id
        self.user = user
        self.amount = amount
        self.reason = reason
    }
}

/// What a user has spent so far (JSON on `spend-by-user`, and in the `spend-by-user` store).
public struct Spend: Codable, Equatable, Sendable {
    public var payments: Int64
    public var total: Double

    public init(payments: Int64 = 0, total: Double = 0) {
        self.payments = payments
        self.total = total
    }

    /// This spend with one more payment of `amount`.
    public func adding(_ amount: Double) -> Spend {
        Spend(payments: payments + 1, total: total + amount)
    }
}
