import EddyState
import Foundation
import Logging
import Synchronization

/// Removes the state of tasks this worker no longer runs (`state.cleanup.delay.ms`, Kafka
/// Streams' `StateDirectory.cleanRemovedTasks`): a task directory neither running nor restoring
/// here, unlocked, and untouched for the delay — by its modification time and by what this
/// cleaner saw — is emptied. Its lock file stays, so a thread that takes the task back at that
/// moment waits for the lock and then finds an empty directory, and restores from the changelog.
///
/// Runs on a thread of its own, every `min(delay, 60 s)` (at most every second), the first time
/// one interval after the worker started.
final class StateCleaner: @unchecked Sendable {
    private let directory: StateDirectory
    private let delayMs: Int
    /// The tasks the worker runs or restores; nil while it stops (its threads close their
    /// tasks then, which must not make their state look abandoned).
    private let owned: @Sendable () -> Set<String>?
    private let logger: Logger
    private let stopping = Atomic<Bool>(false)
    private let wake = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)
    /// When each task directory was last seen owned by this worker.
    private var lastOwned: [String: Date] = [:]

    init(directory: StateDirectory, delayMs: Int, owned: @escaping @Sendable () -> Set<String>?, logger: Logger) {
        self.directory = directory
        self.delayMs = delayMs
        self.owned = owned
        self.logger = logger
    }

    func start() {
        let thread = Thread { [self] in
            let interval = Double(min(max(delayMs, 1000), 60_000)) / 1000
            // The first pass comes one interval after the start, once the group has assigned
            // this worker its tasks (as Kafka Streams schedules its cleaner).
            while wake.wait(timeout: .now() + interval) == .timedOut, !stopping.load(ordering: .relaxed) {
                clean()
            }
            finished.signal()
        }
        thread.name = "eddy-state-cleaner"
        thread.start()
    }

    func stop() {
        stopping.store(true, ordering: .relaxed)
        wake.signal()
        finished.wait()
        finished.signal()  // a second stop returns at once
    }

    /// One pass: empties every task directory unowned for the delay. Returns the task ids emptied.
    @discardableResult
    func clean(now: Date = Date()) -> [String] {
        guard let owned = owned() else { return [] }
        for id in owned { lastOwned[id] = now }
        let files = FileManager.default
        var emptied: [String] = []
        let entries = (try? files.contentsOfDirectory(atPath: directory.applicationPath)) ?? []
        for entry in entries.sorted() where TaskId(entry) != nil && !owned.contains(entry) {
            let path = directory.taskPath(entry)
            let contents = ((try? files.contentsOfDirectory(atPath: path)) ?? []).filter { $0 != ".lock" }
            guard !contents.isEmpty else { continue }
            let modified = (try? files.attributesOfItem(atPath: path)[.modificationDate] as? Date) ?? .distantPast
            let untouched = max(modified, lastOwned[entry] ?? .distantPast)
            guard now.timeIntervalSince(untouched) * 1000 >= Double(delayMs) else { continue }
            // Held by a stream thread that is opening it: not ours to clean.
            guard let lock = try? directory.lockTask(entry) else { continue }
            defer { lock.unlock() }
            for item in contents { try? files.removeItem(atPath: path + "/" + item) }
            emptied.append(entry)
        }
        if !emptied.isEmpty {
            logger.info(
                "removed the state of task(s) \(emptied.joined(separator: ", ")), not run here for \(delayMs) ms (state.cleanup.delay.ms)"
            )
        }
        return emptied
    }
}
