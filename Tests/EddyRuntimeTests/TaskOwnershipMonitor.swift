import Foundation
import Synchronization

/// Watches the logs of running workers, on a thread of its own, for a task owned by two of
/// them at once. A worker owns a task from its "task X restoring its stores" or "task X
/// created (" line to its "task X closed" line.
///
/// Each sample reads every worker's new log lines in turn. A task open in an earlier-read
/// worker A and a later-read worker B is only a candidate: A may have closed it between the
/// two reads. A is then read again; if it still holds the task and logged no close of it
/// since, A held it from before B's read to after it, while B held it: a true overlap. So a
/// reported overlap is never an artefact of reading logs at different instants.
final class TaskOwnershipMonitor: @unchecked Sendable {
    private final class Watched {
        let name: String
        let path: String
        var offset: UInt64 = 0
        var partial = ""
        var open: Set<String> = []
        /// Tasks whose close was read since the last sample.
        var closedSinceSample: Set<String> = []
        /// Every task this worker ever owned.
        var everOwned: Set<String> = []

        init(name: String, path: String) {
            self.name = name
            self.path = path
        }

        /// Reads the lines logged since the last read and applies them.
        func readNewLines() {
            guard let handle = FileHandle(forReadingAtPath: path) else { return }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            let data = (try? handle.readToEnd()) ?? Data()
            offset += UInt64(data.count)
            partial += String(decoding: data, as: UTF8.self)
            var lines = partial.split(separator: "\n", omittingEmptySubsequences: false)
            partial = String(lines.removeLast())
            for line in lines { apply(line) }
        }

        private func apply(_ line: Substring) {
            guard let start = line.range(of: "task ") else { return }
            let rest = line[start.upperBound...]
            guard let space = rest.firstIndex(of: " ") else { return }
            let task = String(rest[..<space]), what = rest[space...]
            if what.hasPrefix(" restoring its stores") || what.hasPrefix(" created (") {
                open.insert(task)
                everOwned.insert(task)
            } else if what.hasPrefix(" closed") {
                open.remove(task)
                closedSinceSample.insert(task)
            }
        }
    }

    private let watched = Mutex<[Watched]>([])
    private let overlaps = Mutex<[String]>([])
    private let samples = Atomic<Int>(0)
    private let stopped = Atomic<Bool>(false)
    private let finished = DispatchSemaphore(value: 0)

    init() {
        Thread { [self] in
            while !stopped.load(ordering: .relaxed) {
                sample()
                usleep(5_000)
            }
            finished.signal()
        }.start()
    }

    /// Starts watching a worker's log.
    func watch(_ name: String, _ worker: WorkerProcess) {
        watched.withLock { $0.append(Watched(name: name, path: worker.logPath)) }
    }

    /// Stops watching a worker: call it before killing the worker with SIGKILL, which leaves
    /// its tasks open in its log although the process no longer runs them.
    func forget(_ name: String) {
        watched.withLock { $0.removeAll { $0.name == name } }
    }

    /// Ends the watch; returns the overlaps seen (each "task X: A and B") and the samples taken.
    func stop() -> (overlaps: [String], samples: Int) {
        stopped.store(true, ordering: .relaxed)
        finished.wait()
        return (overlaps.withLock { $0 }, samples.load(ordering: .relaxed))
    }

    /// The tasks each watched worker owns now, by name.
    func owned() -> [String: Set<String>] {
        watched.withLock { workers in
            for worker in workers { worker.readNewLines() }
            return Dictionary(uniqueKeysWithValues: workers.map { ($0.name, $0.open) })
        }
    }

    /// Every task each watched worker ever owned, by name.
    func everOwned() -> [String: Set<String>] {
        watched.withLock { Dictionary(uniqueKeysWithValues: $0.map { ($0.name, $0.everOwned) }) }
    }

    private func sample() {
        watched.withLock { workers in
            for worker in workers {
                worker.closedSinceSample = []
                worker.readNewLines()
            }
            for (i, earlier) in workers.enumerated() {
                for later in workers[(i + 1)...] {
                    let candidates = earlier.open.intersection(later.open)
                    guard !candidates.isEmpty else { continue }
                    earlier.closedSinceSample = []
                    earlier.readNewLines()
                    for task in candidates
                    where earlier.open.contains(task) && !earlier.closedSinceSample.contains(task) {
                        overlaps.withLock { $0.append("task \(task): \(earlier.name) and \(later.name)") }
                    }
                }
            }
        }
        samples.add(1, ordering: .relaxed)
    }
}
