/// Gives each record of a source its event time (Kafka Streams' `TimestampExtractor`), from
/// its key, value (nil for a tombstone) and Kafka timestamp. A time below 0, or a throw,
/// sends the record where the application's error policy says.
///
/// ```swift
/// builder.stream("payments", key: .string, value: .json(Payment.self),
///                timestamps: TimestampExtractor(key: .string, value: .json(Payment.self)) { _, payment, kafkaTime in
///                    payment?.paidAt ?? kafkaTime
///                })
/// ```
public struct TimestampExtractor<K: Serde, V: Serde> {
    @usableFromInline let function: NodeFunction

    @inlinable
    public init(key: K, value: V, _ extract: @escaping (K.Value?, V.Value?, Int64) throws -> Int64) {
        function = .timestamps(RecordDecoder(keySerde: key, valueSerde: value), extract)
    }
}
