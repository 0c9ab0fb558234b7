import EddyKafka

/// The answer of `/health` or `/ready`: whether the worker is, and if not, why.
public struct ProbeResult: Sendable, Equatable {
    public var ok: Bool
    public var reason: String

    public static let ok = ProbeResult(ok: true, reason: "ok")
    public static func failing(_ reason: String) -> ProbeResult { ProbeResult(ok: false, reason: reason) }
}

extension StreamsApp {
    /// `/health`: the process and every stream thread are alive. A thread that died and was
    /// not (yet) replaced, or a worker stopping, fails it.
    public func health() -> ProbeResult {
        if let cause = stopCause ?? stopRequested { return .failing("the worker is stopping: \(cause.summary)") }
        for thread in threads {
            if let error = thread.failure.withLock({ $0 }) {
                return .failing("stream thread \(thread.index) died: \(error)")
            }
        }
        if case .failed(let error)? = global?.thread.current {
            return .failing("the global-store thread died: \(error)")
        }
        return .ok
    }

    /// `/ready`: healthy, the global stores are bootstrapped, every thread has its
    /// assignment, and no task is restoring.
    public func readiness() -> ProbeResult {
        let health = health()
        guard health.ok else { return health }
        if let global, !global.thread.isBootstrapped {
            return .failing("bootstrapping the global stores from their topics")
        }
        var restoring: [TaskId] = []
        for thread in threads {
            if thread.metrics.rebalanceEvents.load(ordering: .relaxed) == 0 {
                return .failing(
                    "stream thread \(thread.index) waits for its first assignment from the group (rebalance)")
            }
            restoring += thread.metrics.assignment.withLock { $0.restoring }
        }
        guard restoring.isEmpty else {
            return .failing(
                "restoring task(s) \(restoring.sorted().map(\.description).joined(separator: ", ")) from their changelogs"
            )
        }
        return .ok
    }
}

extension WorkerStopCause {
    /// A line for a probe's answer.
    var summary: String {
        switch self {
        case .requested: "asked to stop"
        case .failed(let index, let error): "stream thread \(index) died: \(error)"
        case .applicationShutdown(let shutdown): shutdown.description
        case .globalThreadFailed(let error): "the global-store thread died: \(error)"
        }
    }
}
