import Foundation
import Synchronization

/// Where a worker reads wall-clock time (ms since the epoch) for wall-clock punctuations and
/// the `wall_clock_time` host call. Tests drive a ``ManualClock`` instead of sleeping.
public struct WallClock: Sendable {
    public let now: @Sendable () -> Int64

    public init(now: @escaping @Sendable () -> Int64) { self.now = now }

    /// The system clock.
    public static let system = WallClock { Int64(Date().timeIntervalSince1970 * 1000) }
}

/// A wall clock that moves only when told to.
public final class ManualClock: Sendable {
    private let time: Atomic<Int64>

    public init(_ start: Int64 = 0) { time = Atomic(start) }

    public var now: Int64 { time.load(ordering: .relaxed) }

    public func set(_ value: Int64) { time.store(value, ordering: .relaxed) }

    public var clock: WallClock { WallClock { [self] in now } }
}
