import EddySDK

/// Counts records per key in the `key-counts` store and forwards `key → running count`
/// (big-endian i64): Kafka Streams' `count()` on a grouped stream. Records must arrive
/// partitioned by key (after a repartition) for the counts to be global.
public struct KeyCounter: Processor {
    public static let name = "count"
    public static let doc: String? = "Counts records per key; forwards key -> running count."
    public static let stores: [StoreDeclaration] = [.keyValue("key-counts", key: .bytes, value: .int64)]

    private let context: ProcessorContext
    /// Keyed by the record's own key bytes, borrowed for the call (``BorrowedBytes``): the
    /// count reads, writes and forwards them without copying them into an array.
    private let counts: KeyValueStore<BorrowedBytes, BigEndianIntegerSerde<Int64>>

    public init(context: ProcessorContext) throws {
        self.context = context
        self.counts = try context.keyValueStore("key-counts", key: BorrowedBytes(), value: .int64)
    }

    public mutating func process(_ record: Record) throws {
        guard let key = try record.key(BorrowedBytes()) else { return }
        let count = (try counts.get(key) ?? 0) + 1
        try counts.put(key, count)
        try context.forward(
            key: key, value: count, keySerde: BorrowedBytes(), valueSerde: .int64, timestamp: record.timestamp)
    }
}
