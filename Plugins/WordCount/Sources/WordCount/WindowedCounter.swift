import EddySDK

/// Counts records per key in tumbling event-time windows of ``windowSize`` ms, kept in the
/// `window-counts` window store, and forwards `"<key>@<window start>" → count` (big-endian
/// i64) on every update: Kafka Streams' `windowedBy(TimeWindows.ofSizeAndGrace(…)).count()`.
/// Keys are text (UTF-8); a record whose key is not is rejected to the dead-letter topic.
///
/// The window size is part of the store's declaration (the host creates the store before
/// `init`); how long a window still accepts late records after it ends is the `grace.ms`
/// config. A record for a window that ended more than the grace ago, in stream time, is
/// dropped and counted in the `late-records-dropped` metric, as Kafka Streams drops it.
public struct WindowedCounter: Processor {
    public static let name = "windowed-count"
    public static let doc: String? =
        "Counts records per key in tumbling 10 s windows; forwards key@windowStart -> count."
    /// Window size in ms: ten seconds of event time.
    public static let windowSize: Int64 = 10_000
    /// How long the store keeps windows behind stream time (the app may override it with
    /// `retention.ms` under `stores:`); at least the window size plus the grace.
    public static let retention: Int64 = 120_000
    public static let stores: [StoreDeclaration] = [
        .window("window-counts", key: .string, value: .int64, windowSize: windowSize, retention: retention)
    ]
    public static let config: [ConfigKey] = [
        ConfigKey(
            "grace.ms", .int, default: "0",
            doc: "How long after its end, in stream time, a window still counts late records.")
    ]

    private let context: ProcessorContext
    private let counts: WindowStore<StringSerde, BigEndianIntegerSerde<Int64>>
    private let grace: Int64

    public init(context: ProcessorContext) throws {
        self.context = context
        counts = try context.windowStore("window-counts", key: .string, value: .int64)
        grace = try context.config("grace.ms", as: Int64.self)
        guard grace >= 0 else { throw ProcessorError.fail("config grace.ms: \(grace) is negative; give 0 or more ms") }
    }

    /// The start of the window that holds `timestamp`.
    public static func windowStart(of timestamp: Int64) -> Int64 {
        timestamp - timestamp % windowSize
    }

    public mutating func process(_ record: Record) throws {
        let key: String
        do {
            guard let text = try record.key(.string), record.timestamp >= 0 else { return }
            key = text
        } catch {
            throw ProcessorError.reject("\(error)")
        }
        let start = Self.windowStart(of: record.timestamp)
        if let now = context.streamTime, start + Self.windowSize + grace <= now {
            context.count("late-records-dropped")
            return
        }
        let count = (try counts.fetch(key, from: start, to: start).first?.value ?? 0) + 1
        try counts.put(key, count, windowStart: start)
        try context.forward(
            key: key + "@\(start)", value: count, keySerde: .string, valueSerde: .int64,
            timestamp: record.timestamp)
    }
}
