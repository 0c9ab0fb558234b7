/// The windows of a stream–stream join (Kafka Streams' `JoinWindows`), in ms of event time:
/// a left record at `t` joins the right records of its key in `[t - before, t + after]`.
/// A window still takes records `grace` ms after it ends in stream time; a left or outer
/// join emits a record that found no partner only once its window has closed, so it never
/// emits an unmatched result a later partner would contradict.
public struct JoinWindows: Sendable, Equatable {
    /// How far before a left record a right record may be.
    public let before: Int64
    /// How far after a left record a right record may be.
    public let after: Int64
    public let grace: Int64

    /// Windows reaching `before` ms before and `after` ms after each left record, with `grace`.
    public init(before: Int64, after: Int64, grace: Int64) {
        self.before = before
        self.after = after
        self.grace = grace
    }

    /// Records at most `difference` ms apart join; no grace: a record later than its window is dropped.
    public static func ofTimeDifferenceAndNoGrace(_ difference: Int64) -> JoinWindows {
        JoinWindows(before: difference, after: difference, grace: 0)
    }

    /// Records at most `difference` ms apart join; windows take late records for `grace` ms.
    public static func ofTimeDifferenceWithGrace(_ difference: Int64, grace: Int64) -> JoinWindows {
        JoinWindows(before: difference, after: difference, grace: grace)
    }

    /// The same windows reaching `before` ms before each left record.
    public func before(_ before: Int64) -> JoinWindows { JoinWindows(before: before, after: after, grace: grace) }

    /// The same windows reaching `after` ms after each left record.
    public func after(_ after: Int64) -> JoinWindows { JoinWindows(before: before, after: after, grace: grace) }

    /// The span a join window store keeps records for: before plus after.
    public var size: Int64 { before + after }

    /// How long a join window store keeps a record: its window plus the grace.
    public var retention: Int64 { before + after + grace }
}
