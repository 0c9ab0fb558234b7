import Foundation
import Synchronization

/// Crash and stall points for tests: `EDDY_FAULT=<point>:<n>` makes the worker kill itself
/// with SIGKILL — exactly what `kill -9` does — or, at a `stop-…` point, stop itself with
/// SIGSTOP (a stall: it resumes on SIGCONT) the n-th time it reaches `<point>`, so that tests
/// can hit a window that timing alone hits only by luck. Without the variable every point
/// is one check of a constant.
///
/// The points:
/// - `crash-after-commit-before-checkpoint`: the changelog records of a store are durable
///   (the exactly-once transaction committed, or the at-least-once flush was acknowledged),
///   but the store has not yet written them with its checkpoint; counted per store;
/// - `crash-during-restoration`: a restoring store has just applied one batch of changelog
///   records with its checkpoint; counted per batch, across the stores of the process;
/// - `fail-stream-thread`: not a kill but an error: a stream thread has just processed a poll's
///   records, before committing them, and throws ``InjectedThreadFailure`` (for the
///   uncaught-exception handlers); counted per poll that returned records, across threads;
/// - `stop-before-offsets-to-transaction`: an exactly-once commit has produced its records
///   and is about to send the consumed offsets to its open transaction; counted per commit
///   with offsets, across the threads of the process. The process stops (SIGSTOP), as a
///   worker stalled past its session timeout, a "zombie", would;
/// - `stop-before-commit-transaction`: the offsets are in the open transaction and it is about
///   to be committed; counted per commit with offsets, as the point before it is. The group then holds offsets that are not
///   stable until the transaction ends (KIP-447), which for a stopped owner is when the
///   transaction coordinator aborts it after `transaction.timeout.ms`.
enum FaultInjection {
    enum Point: String, CaseIterable {
        case afterCommitBeforeCheckpoint = "crash-after-commit-before-checkpoint"
        case duringRestoration = "crash-during-restoration"
        case streamThreadFailure = "fail-stream-thread"
        case beforeOffsetsToTransaction = "stop-before-offsets-to-transaction"
        case beforeCommitTransaction = "stop-before-commit-transaction"

        /// SIGSTOP for a stall, SIGKILL for a crash.
        var signal: Int32 { rawValue.hasPrefix("stop-") ? SIGSTOP : SIGKILL }
    }

    /// Called at a point that fails by throwing: throws on the armed point's n-th arrival.
    static func fail(at point: Point) throws(InjectedThreadFailure) {
        guard let armed, armed.point == point else { return }
        let count = arrivals.add(1, ordering: .relaxed).newValue
        guard count == armed.occurrence else { return }
        throw InjectedThreadFailure(description: "EDDY_FAULT: \(point.rawValue) at arrival \(count)")
    }

    /// Called at `point`: kills or stops the process if this is the armed point's n-th arrival.
    static func reach(_ point: Point) {
        guard let armed, armed.point == point else { return }
        let count = arrivals.add(1, ordering: .relaxed).newValue
        guard count == armed.occurrence else { return }
        let action =
            point.signal == SIGSTOP
            ? "stopping this process with SIGSTOP (SIGCONT resumes it)" : "killing this process with SIGKILL"
        FileHandle.standardError.write(Data("EDDY_FAULT: \(action) at \(point.rawValue), arrival \(count)\n".utf8))
        // `raise` signals this thread, so it stops (or dies) before it returns to the caller;
        // `kill(getpid(), SIGSTOP)` may wake another thread to start the stop, and under load this
        // one ran on through the point first (it sent its offsets and began the commit).
        raise(point.signal)
    }

    // MARK: - Private

    private static let arrivals = Atomic<Int>(0)

    private static let armed: (point: Point, occurrence: Int)? = {
        guard let value = ProcessInfo.processInfo.environment["EDDY_FAULT"], !value.isEmpty else { return nil }
        let parts = value.split(separator: ":", maxSplits: 1).map(String.init)
        guard parts.count == 2, let point = Point(rawValue: parts[0]), let n = Int(parts[1]), n > 0 else {
            FileHandle.standardError.write(
                Data(
                    ("EDDY_FAULT='\(value)' is not <point>:<n> with n ≥ 1 and a point among "
                        + "\(Point.allCases.map(\.rawValue).joined(separator: ", ")); unset it, it is for tests only\n")
                        .utf8))
            exit(64)
        }
        return (point, n)
    }()
}

/// The error `EDDY_FAULT=fail-stream-thread:<n>` makes a stream thread throw.
struct InjectedThreadFailure: Error, CustomStringConvertible {
    let description: String
}
