import EddyEngine

/// How an application file's `count`, `reduce` or `aggregate` is windowed, and which of its
/// updates go on: every one (the default), only each window's final result (`emit: final`),
/// or what a `suppress:` lets through.
public struct WindowingSpec: Sendable, Equatable {
    /// The windows (nil: one aggregate per key).
    public var window: Topology.Window?
    /// The suppression after the aggregation (nil: every update goes on).
    public var suppress: SuppressSpec?

    public static let none = WindowingSpec(window: nil, suppress: nil)
}

/// A `suppress:` as declared (or what `emit: final` means).
public struct SuppressSpec: Sendable, Equatable {
    public var until: Topology.Suppression.Until
    public var maxRecords: Int64?
    public var maxBytes: Int64?
    public var emitEarlyWhenFull: Bool

    /// `emit: final`: one result per window when it closes, with an unbounded buffer.
    public static let final = SuppressSpec(
        until: .windowCloses, maxRecords: nil, maxBytes: nil, emitEarlyWhenFull: false)
}

extension AppConfig {
    /// The keys an aggregation node may carry besides its own.
    static let windowingKeys = ["window", "emit", "suppress"]

    /// Reads `window:`, `emit:` and `suppress:` of an aggregation node:
    ///
    /// ```yaml
    /// window: {type: tumbling, size.ms: 60000, grace.ms: 5000}
    /// window: {type: hopping, size.ms: 300000, advance.ms: 60000}
    /// window: {type: sliding, time.difference.ms: 10000, grace.ms: 1000}
    /// window: {type: session, inactivity.gap.ms: 300000}
    /// emit: final                      # or: updates (the default)
    /// suppress: {until: time.limit, time.limit.ms: 1000, max.records: 10000, when.full: emit_early}
    /// ```
    static func parseWindowing(_ p: YAMLReader) throws(AppConfigError) -> WindowingSpec {
        var spec = WindowingSpec.none
        if let w = try p.child("window") {
            spec.window = try parseWindow(w)
        }
        switch try p.string("emit") {
        case nil, "updates"?:
            break
        case "final"?:
            guard spec.window != nil else {
                throw p.error(
                    "emit",
                    "`emit: final` gives one result per window, so it needs `window:` — or use `suppress: {until: time.limit, ...}` for a table without windows"
                )
            }
            spec.suppress = .final
        case let other?:
            throw p.error("emit", "'\(other)' is not one of updates, final", at: p["emit"])
        }
        if let s = try p.child("suppress") {
            guard spec.suppress == nil else {
                throw p.error(
                    "suppress", "`emit: final` already suppresses the updates — remove one of `emit:` and `suppress:`")
            }
            spec.suppress = try parseSuppress(s, windowed: spec.window != nil)
        }
        return spec
    }

    private static let maxMs = Int(StoreSpec.maxRetentionMs)

    private static func parseWindow(_ w: YAMLReader) throws(AppConfigError) -> Topology.Window {
        let type = try w.requiredString("type", "tumbling")
        let own: [String: [String]] = [
            "tumbling": ["size.ms"], "hopping": ["size.ms", "advance.ms"], "sliding": ["time.difference.ms"],
            "session": ["inactivity.gap.ms"],
        ]
        guard let keys = own[type] else {
            throw w.error("type", "'\(type)' is not one of tumbling, hopping, sliding, session", at: w["type"])
        }
        try w.rejectUnknownKeys(["type", "grace.ms"] + keys)
        func required(_ key: String, _ example: Int) throws(AppConfigError) -> Int64 {
            guard let value = try w.int(key, range: 1...maxMs) else {
                throw w.error(key, "is required for \(type) windows — add e.g. `\(key): \(example)`")
            }
            return Int64(value)
        }
        let grace = Int64(try w.int("grace.ms", range: 0...maxMs) ?? 0)
        switch type {
        case "tumbling":
            let size = try required("size.ms", 60_000)
            return Topology.Window(.time(size: size, advance: size), grace: grace)
        case "hopping":
            let size = try required("size.ms", 300_000)
            let advance = try required("advance.ms", 60_000)
            guard advance <= size else {
                throw w.error(
                    "advance.ms",
                    "\(advance) is larger than size.ms (\(size)), which would leave gaps between windows — use at most \(size)"
                )
            }
            return Topology.Window(.time(size: size, advance: advance), grace: grace)
        case "sliding":
            return Topology.Window(.sliding(difference: try required("time.difference.ms", 10_000)), grace: grace)
        default:
            return Topology.Window(.session(gap: try required("inactivity.gap.ms", 300_000)), grace: grace)
        }
    }

    private static func parseSuppress(_ s: YAMLReader, windowed: Bool) throws(AppConfigError) -> SuppressSpec {
        try s.rejectUnknownKeys(["until", "time.limit.ms", "max.records", "max.bytes", "when.full"])
        let until: Topology.Suppression.Until
        switch try s.requiredString("until", "window.closes") {
        case "window.closes":
            guard windowed else {
                throw s.error(
                    "until",
                    "a table without windows has no window to close — use `until: time.limit` with `time.limit.ms:`, or add `window:`"
                )
            }
            guard s["time.limit.ms"] == nil else {
                throw s.error("time.limit.ms", "applies to `until: time.limit` only — remove it")
            }
            until = .windowCloses
        case "time.limit":
            guard let limit = try s.int("time.limit.ms", range: 0...maxMs) else {
                throw s.error(
                    "time.limit.ms",
                    "is required with `until: time.limit` — how long (ms of stream time) a key's updates wait, e.g. `time.limit.ms: 1000`"
                )
            }
            until = .timeLimit(Int64(limit))
        case let other:
            throw s.error("until", "'\(other)' is not one of window.closes, time.limit", at: s["until"])
        }
        let maxRecords = try s.int("max.records", range: 1...Int.max).map(Int64.init)
        let maxBytes = try s.int("max.bytes", range: 1...Int.max).map(Int64.init)
        let emitEarly: Bool
        switch try s.string("when.full") {
        case nil:
            // Kafka Streams' default for a bounded time-limit buffer is to emit early; a
            // window-closes buffer that emitted early would break its one-result promise.
            emitEarly = until != .windowCloses
        case "emit_early"?:
            guard until != .windowCloses else {
                throw s.error(
                    "when.full",
                    "emitting early would give a window more than one result — `until: window.closes` takes `when.full: shut_down`"
                )
            }
            emitEarly = true
        case "shut_down"?:
            emitEarly = false
        case let other?:
            throw s.error("when.full", "'\(other)' is not one of emit_early, shut_down", at: s["when.full"])
        }
        if maxRecords == nil, maxBytes == nil, s["when.full"] != nil {
            throw s.error(
                "when.full",
                "the buffer is unbounded, so it is never full — add `max.records:` or `max.bytes:`, or remove `when.full:`"
            )
        }
        return SuppressSpec(until: until, maxRecords: maxRecords, maxBytes: maxBytes, emitEarlyWhenFull: emitEarly)
    }
}
