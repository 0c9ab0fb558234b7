/// Delivery failures seen while producing, for a caller that must not acknowledge work whose
/// outputs were not written (delivery reports arrive on the thread that polls the producer).
public final class KafkaDeliveryFailures {
    /// Failures since the last ``take()``.
    public private(set) var count = 0
    /// The first failure since the last ``take()``.
    public private(set) var first: KafkaError?

    public init() {}

    public func record(_ error: KafkaError) {
        count += 1
        if first == nil { first = error }
    }

    /// The first failure, clearing what was recorded.
    public func take() -> KafkaError? {
        defer {
            first = nil
            count = 0
        }
        return first
    }
}
