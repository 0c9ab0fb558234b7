import EddySDK

/// Counts records per key in the `key-counts` store and forwards `key → running count`
/// (big-endian i64): Kafka Streams' `count()` on a grouped stream. Records must arrive
/// partitioned by key (after a repartition) for the counts to be global.
public struct KeyCounter: Processor {
    public static let name = "count"
    public static let doc: String? = "Counts records per key; forwards key -> running count."
    public static let stores: [StoreDeclaration] = [.keyValue("key-counts", key: .bytes, value: .int64)]

    private let context: ProcessorContext
    private let counts: KeyValueStore<BytesSerde, BigEndianIntegerSerde<Int64>>

    public init(context: ProcessorContext) throws {
        self.context = context
        self.counts = try context.keyValueStore("key-counts", key: .bytes, value: .int64)
    }

    public mutating func process(_ record: Record) throws {
        guard let key = record.key else { return }
        let count = (try counts.get(key) ?? 0) + 1
        try counts.put(key, count)
        try context.forward(key: key, value: count, keySerde: .bytes, valueSerde: .int64, timestamp: record.timestamp)
    }
}
