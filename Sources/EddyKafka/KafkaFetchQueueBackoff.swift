/// `fetch.queue.backoff.ms`, librdkafka 2.3's setting for how soon a consumer fetches again a
/// partition whose pre-fetch queue was at its cap, made to work on librdkafka 2.0.2 too.
///
/// A librdkafka that knows the key gets it unchanged. An older one would reject it as
/// unknown, so the key is kept from it and the consumer runs a ``KafkaFetchWaker`` with that
/// period instead: the same bound on how long a drained queue waits for its next fetch. From
/// 1000 ms up no waker is needed, as 2.0.2's broker threads decide again every second anyway.
enum KafkaFetchQueueBackoff {
    static let key = "fetch.queue.backoff.ms"

    /// Whether the linked librdkafka implements the key itself (2.3 and later).
    static let isNative = KafkaPropertyScope.of(key) != nil

    /// Whether `key` is this setting and must be kept from the linked librdkafka.
    static func isEmulated(_ key: String) -> Bool { key == Self.key && !isNative }

    /// The period of the waker `configuration` needs: nil on a librdkafka that has the
    /// setting, when it is unset, or when it is 1000 ms or more.
    static func wakerPeriod(for configuration: KafkaConfiguration) throws(KafkaError) -> Duration? {
        guard !isNative, let value = configuration[key] else { return nil }
        guard let milliseconds = Int(value.trimmingWhitespace()), (0...300_000).contains(milliseconds) else {
            throw .configuration(
                key: key, reason: "'\(value)' is not a whole number of milliseconds from 0 to 300000 — e.g. 5")
        }
        guard milliseconds < 1000 else { return nil }
        return .milliseconds(max(milliseconds, 1))
    }
}
