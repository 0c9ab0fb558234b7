import Dispatch
import EddyPlugins
import Synchronization

/// A request, handed to one stream thread, to move all of its tasks to another build of a
/// plugin at its next commit boundary; the thread answers through it.
final class PluginSwap: Sendable {
    let candidate: PluginSet.Candidate
    private let outcome = Mutex<Result<PluginSwapReport, ReloadError>?>(nil)
    private let done = DispatchSemaphore(value: 0)

    init(_ candidate: PluginSet.Candidate) { self.candidate = candidate }

    func finish(_ result: Result<PluginSwapReport, ReloadError>) {
        outcome.withLock { $0 = result }
        done.signal()
    }

    /// The thread's answer, or a failure once `timeout` passed without one.
    func wait(timeout: Duration) -> Result<PluginSwapReport, ReloadError> {
        let milliseconds = Int(timeout.components.seconds * 1000)
        guard done.wait(timeout: .now() + .milliseconds(milliseconds)) == .success else {
            return .failure(
                ReloadError(
                    plugin: candidate.name, reason: "a stream thread did not reach a commit boundary within \(timeout)")
            )
        }
        return outcome.withLock { $0! }
    }
}

/// How one stream thread swapped builds.
public struct PluginSwapReport: Sendable {
    public let thread: Int
    /// From the start of the swap's commit to the new instances installed: the longest the
    /// thread stopped processing for the swap.
    public let pause: Duration
    /// Tasks whose instances were replaced.
    public let tasks: Int
    /// Records each replaced build processed while it was installed.
    public let processedByReplaced: [PluginVersion: Int]
}

/// A completed reload or rollback.
public struct ReloadReport: Sendable, CustomStringConvertible {
    public let plugin: String
    public let from: PluginVersion
    public let to: PluginVersion
    public let threads: [PluginSwapReport]

    public var longestPause: Duration { threads.map(\.pause).max() ?? .zero }

    public var description: String {
        let pauses = threads.map {
            "thread \($0.thread): \($0.pause.formatted(.units(allowed: [.milliseconds], fractionalPart: .show(length: 1))))"
        }
        return "\(plugin): \(from) -> \(to); pause per thread: \(pauses.joined(separator: ", "))"
    }
}
