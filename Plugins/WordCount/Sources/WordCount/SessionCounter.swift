import EddySDK

/// Counts records per key in event-time sessions, kept in the `session-counts` session store:
/// Kafka Streams' `windowedBy(SessionWindows.ofInactivityGapAndGrace(…)).count()`.
///
/// A record at time t joins every session of its key that ends at or after t − gap and
/// starts at or before t + gap (`inactivity.gap.ms`); they merge into one session spanning
/// them all, whose count is their sum plus one. Each session merged away is removed and a
/// tombstone forwarded for it (`"<key>@<start>-<end>" → null`), then the merged session's
/// `"<key>@<start>-<end>" → count` (big-endian i64), both timestamped with their session's
/// end. A record whose merged session ended more than `grace.ms` + gap before stream time is
/// dropped and counted in `late-records-dropped`. Keys are text (UTF-8); a record whose key
/// is not is rejected to the dead-letter topic.
public struct SessionCounter: Processor {
    public static let name = "session-count"
    public static let doc: String? =
        "Counts records per key in sessions of activity; forwards key@start-end -> count and a tombstone per merged session."
    /// How long the store keeps sessions behind stream time (the app may override it with
    /// `retention.ms` under `stores:`); keep it at least the gap plus the grace.
    public static let retention: Int64 = 300_000
    public static let stores: [StoreDeclaration] = [
        .session("session-counts", key: .string, value: .int64, retention: retention)
    ]
    public static let config: [ConfigKey] = [
        ConfigKey(
            "inactivity.gap.ms", .int, default: "5000",
            doc: "Records of one key less than this apart, in event time, are one session."),
        ConfigKey(
            "grace.ms", .int, default: "0",
            doc: "How long after a session's close, in stream time, it still merges late records."),
    ]

    private let context: ProcessorContext
    private let sessions: SessionStore<StringSerde, BigEndianIntegerSerde<Int64>>
    private let gap: Int64
    private let grace: Int64

    public init(context: ProcessorContext) throws {
        self.context = context
        sessions = try context.sessionStore("session-counts", key: .string, value: .int64)
        gap = try context.config("inactivity.gap.ms", as: Int64.self)
        grace = try context.config("grace.ms", as: Int64.self)
        guard gap > 0 else {
            throw ProcessorError.fail("config inactivity.gap.ms: \(gap) is not positive; give 1 or more ms")
        }
        guard grace >= 0 else { throw ProcessorError.fail("config grace.ms: \(grace) is negative; give 0 or more ms") }
    }

    public mutating func process(_ record: Record) throws {
        let key: String
        do {
            guard let text = try record.key(.string), record.timestamp >= 0 else { return }
            key = text
        } catch {
            throw ProcessorError.reject("\(error)")
        }
        let time = record.timestamp
        let merged = try sessions.findSessions(
            key, earliestSessionEndTime: time - gap, latestSessionStartTime: time + gap)
        let start = merged.map(\.start).reduce(time, min)
        let end = merged.map(\.end).reduce(time, max)
        if let now = context.streamTime, end < now - grace - gap {
            context.count("late-records-dropped")
            return
        }
        for session in merged where (session.start, session.end) != (start, end) {
            try sessions.remove(key, start: session.start, end: session.end)
            try context.forward(
                key: "\(key)@\(session.start)-\(session.end)", value: nil as Int64?, keySerde: .string,
                valueSerde: .int64,
                timestamp: session.end)
        }
        let count = merged.reduce(1) { $0 + $1.value }
        try sessions.put(key, count, start: start, end: end)
        try context.forward(
            key: "\(key)@\(start)-\(end)", value: count, keySerde: .string, valueSerde: .int64, timestamp: end)
    }
}
