import Dispatch
import Logging
import Synchronization

/// Runs a worker's stream threads and decides what follows when one ends with an error, by
/// `uncaught.exception.handler` (Kafka Streams' `StreamsUncaughtExceptionHandler`):
/// replace it, stop this worker, or stop the application.
///
/// A thread reports its end from its own OS thread (``StreamThread/onEnd``); the decision is
/// taken on the thread that called ``run()`` (the one joining the worker), never on a stream
/// thread, so a replacement never starts inside the thread it replaces.
final class ThreadSupervisor: @unchecked Sendable {
    private struct State {
        var threads: [StreamThread] = []
        /// Threads that ended and were not yet looked at.
        var ended: [StreamThread] = []
        /// Every thread that ended.
        var gone: Set<ObjectIdentifier> = []
        var stopping = false
        /// Why the worker stops, once it is decided.
        var stop: WorkerStopCause?
    }

    private let policy: OperationsConfig.UncaughtExceptionHandler
    private let make: (Int) -> StreamThread
    private let logger: Logger
    private let state = Mutex(State())
    private let wake = DispatchSemaphore(value: 0)
    /// Called once when a thread's failure stops the application (`shutdown_application`).
    private let shutdownApplication: @Sendable (String) -> Void
    /// Stream threads started in place of failed ones.
    let replacements = Atomic<Int>(0)

    /// `make(index)` creates (not starts) stream thread `index`.
    init(
        policy: OperationsConfig.UncaughtExceptionHandler, logger: Logger,
        shutdownApplication: @escaping @Sendable (String) -> Void,
        make: @escaping (Int) -> StreamThread
    ) {
        self.policy = policy
        self.logger = logger
        self.shutdownApplication = shutdownApplication
        self.make = make
    }

    /// The cause a stop was asked for with, nil while none was (a failed thread's, under
    /// `shutdown_client`, included).
    var stopRequest: WorkerStopCause? { state.withLock { $0.stop } }

    /// The running threads, in index order.
    var threads: [StreamThread] { state.withLock { $0.threads } }

    /// Creates and starts `count` threads.
    func start(count: Int) {
        let threads = (0..<count).map(make)
        state.withLock { $0.threads = threads }
        threads.forEach(launch)
    }

    /// Asks every thread to commit, close its tasks and leave the group; `cause` is why (kept
    /// only if no other cause was decided first).
    func requestStop(_ cause: WorkerStopCause = .requested) {
        let threads = state.withLock { state in
            state.stopping = true
            if state.stop == nil { state.stop = cause }
            return state.threads
        }
        threads.forEach { $0.requestStop() }
        wake.signal()
    }

    /// Waits until every thread has ended, replacing failed ones under `replace_thread`;
    /// returns why the worker stopped.
    func run() -> WorkerStopCause {
        while true {
            wake.wait()
            let (ended, stopping) = state.withLock { state in
                defer { state.ended.removeAll() }
                return (state.ended, state.stopping)
            }
            for thread in ended {
                guard let error = thread.failure.withLock({ $0 }) else { continue }
                handle(error, of: thread, stopping: stopping)
            }
            let done = state.withLock { state in
                state.stopping && state.threads.allSatisfy { state.gone.contains(ObjectIdentifier($0)) }
            }
            if done { return state.withLock { $0.stop ?? .requested } }
        }
    }

    // MARK: - Private

    private func launch(_ thread: StreamThread) {
        thread.onEnd = { [weak self] thread in
            guard let self else { return }
            state.withLock { state in
                state.ended.append(thread)
                state.gone.insert(ObjectIdentifier(thread))
            }
            wake.signal()
        }
        thread.start()
    }

    private func handle(_ error: any Error, of thread: StreamThread, stopping: Bool) {
        if stopping {
            state.withLock { state in
                if state.stop == nil || state.stop == .requested { state.stop = .failed(thread.index, error) }
            }
            return
        }
        switch policy {
        case .replaceThread:
            // Decided under the lock, so that a stop asked for meanwhile also reaches the successor.
            let successor = state.withLock { state -> StreamThread? in
                guard !state.stopping, let slot = state.threads.firstIndex(where: { $0 === thread }) else { return nil }
                state.threads[slot] = make(thread.index)
                return state.threads[slot]
            }
            guard let successor else { return }
            let count = replacements.add(1, ordering: .relaxed).newValue
            logger.error(
                "stream thread \(thread.index) died: \(error) — replacing it (uncaught.exception.handler: replace_thread; replacement \(count))"
            )
            launch(successor)
        case .shutdownClient:
            logger.error(
                "stream thread \(thread.index) died: \(error) — stopping this worker (uncaught.exception.handler: shutdown_client)"
            )
            requestStop(.failed(thread.index, error))
        case .shutdownApplication:
            let reason = "stream thread \(thread.index) died: \(error)"
            logger.error(
                "\(reason) — stopping every worker of the application (uncaught.exception.handler: shutdown_application)"
            )
            shutdownApplication(reason)
            requestStop(.applicationShutdown(ApplicationShutdown(requestedBy: nil, reason: reason)))
        }
    }
}

/// Why a worker stopped, which decides its exit status.
public enum WorkerStopCause: Sendable, Equatable {
    /// Asked to (SIGINT, SIGTERM, a test): exit 0.
    case requested
    /// Stream thread `index` ended with an error: exit 1.
    case failed(Int, any Error)
    /// The application was shut down (`shutdown_application`) by this worker or another: exit 2.
    case applicationShutdown(ApplicationShutdown)
    /// The global-store thread failed after its bootstrap, so global tables would go stale: exit 1.
    case globalThreadFailed(any Error)

    /// The error the worker stopped with, nil after a requested stop.
    public var error: (any Error)? {
        switch self {
        case .requested: nil
        case .failed(_, let error), .globalThreadFailed(let error): error
        case .applicationShutdown(let shutdown): shutdown
        }
    }

    public static func == (a: Self, b: Self) -> Bool {
        switch (a, b) {
        case (.requested, .requested): true
        case (.failed(let i, _), .failed(let j, _)): i == j
        case (.applicationShutdown(let x), .applicationShutdown(let y)): x == y
        case (.globalThreadFailed, .globalThreadFailed): true
        default: false
        }
    }
}

/// The application was shut down because a stream thread failed under
/// `uncaught.exception.handler: shutdown_application`.
public struct ApplicationShutdown: Error, Sendable, Equatable, CustomStringConvertible {
    /// The worker (`instance.id`) whose thread failed; nil when it was this one.
    public var requestedBy: String?
    public var reason: String

    public init(requestedBy: String?, reason: String) {
        self.requestedBy = requestedBy
        self.reason = reason
    }

    public var description: String {
        "application shut down (uncaught.exception.handler: shutdown_application) "
            + (requestedBy.map { "by worker \($0)" } ?? "by this worker") + ": \(reason)"
    }
}
