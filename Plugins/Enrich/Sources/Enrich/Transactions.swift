/// A payment as it arrives on the input topic (JSON).
public struct Transaction: Codable, Equatable, Sendable {
    public var id: String
    public var amount: Double
    public var country: String

    public init(id: String, amount: Double, country: String) {
        self.id = id
        self.amount = amount
        self.country = country
    }
}

/// A payment with its risk assessment, as forwarded (JSON).
public struct EnrichedTransaction: Codable, Equatable, Sendable {
    public var id: String
    public var amount: Double
    public var country: String
    public var currency: String
    public var riskScore: Double
    public var highRisk: Bool

    public init(id: String, amount: Double, country: String, currency: String, riskScore: Double, highRisk: Bool) {
        self.id = id
        self.amount = amount
        self.country = country
        self.currency = currency
        self.riskScore = riskScore
        self.highRisk = highRisk
    }
}
