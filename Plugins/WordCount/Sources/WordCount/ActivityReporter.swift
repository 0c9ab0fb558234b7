import EddySDK

/// Reports how many records arrived, periodically: every `stream.interval.ms` of stream time
/// it forwards `stream → "<time>:<records since the last stream report>"`, and every
/// `wall.interval.ms` of wall-clock time (when set) `wall → "<time>:<records since the last
/// wall report>"`. The example of punctuation.
public struct ActivityReporter: Processor {
    public static let name = "activity"
    public static let doc: String? = "Forwards record counts on stream-time and wall-clock punctuations."
    public static let config: [ConfigKey] = [
        ConfigKey("stream.interval.ms", .int, default: "1000", doc: "Stream-time reporting interval."),
        ConfigKey("wall.interval.ms", .int, default: "0", doc: "Wall-clock reporting interval; 0 turns it off."),
    ]

    private let context: ProcessorContext
    private let streamSchedule: Schedule
    private let wallSchedule: Schedule?
    private var sinceStreamReport = 0
    private var sinceWallReport = 0

    public init(context: ProcessorContext) throws {
        self.context = context
        streamSchedule = try context.schedule(every: context.config("stream.interval.ms", as: Int64.self), .streamTime)
        let wallInterval = try context.config("wall.interval.ms", as: Int64.self)
        wallSchedule = wallInterval > 0 ? try context.schedule(every: wallInterval, .wallClockTime) : nil
    }

    public mutating func process(_ record: Record) throws {
        sinceStreamReport += 1
        sinceWallReport += 1
    }

    public mutating func punctuate(_ schedule: Schedule, timestamp: Int64) throws {
        let isStream = schedule == streamSchedule
        let count = isStream ? sinceStreamReport : sinceWallReport
        try context.forward(
            key: isStream ? "stream" : "wall", value: "\(timestamp):\(count)", keySerde: .string, valueSerde: .string,
            timestamp: timestamp)
        if isStream { sinceStreamReport = 0 } else { sinceWallReport = 0 }
    }
}
