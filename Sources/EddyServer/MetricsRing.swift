import EddyRuntime
import Foundation
import Synchronization

/// The last 30 once-a-second samples of a worker's thread counters: rates and latencies are
/// computed over this window (Kafka Streams samples over 30 s too), so a scrape costs no work
/// on the stream threads.
final class MetricsRing: Sendable {
    struct Sample {
        var at: ContinuousClock.Instant
        var threads: [Int: ThreadSample]
    }

    /// One thread's figures over the window.
    struct ThreadWindow {
        var latest: ThreadSample
        var processRate = 0.0
        var pollRate = 0.0
        var commitRate = 0.0
        var punctuateRate = 0.0
        var punctuateLatencyAvgMs = 0.0
        var processLatencyAvgMs = 0.0
        var processLatencyMaxMs = 0.0
        var commitLatencyAvgMs = 0.0
        var commitLatencyMaxMs = 0.0
        /// The share of wall time spent processing records.
        var processRatio = 0.0
        /// Each task's share of wall time spent processing its records, by task id.
        var taskProcessRatio: [String: Double] = [:]
        /// Enforced processings per second, per task id.
        var taskEnforcedProcessingRate: [String: Double] = [:]
        /// Each store operation's rate and average latency over the window (DEBUG only).
        var storeOperations: [StoreOperationWindow] = []
    }

    /// One operation of one task's store over the window.
    struct StoreOperationWindow {
        var task: String
        var store: String
        var operation: String
        var total: Int
        var rate = 0.0
        var latencyAvgMs = 0.0
    }

    private let samples = Mutex<[Sample]>([])
    private let capacity = 31

    func add(_ threads: [ThreadSample]) {
        let sample = Sample(at: .now, threads: Dictionary(threads.map { ($0.thread, $0) }) { $1 })
        samples.withLock { samples in
            samples.append(sample)
            if samples.count > capacity { samples.removeFirst(samples.count - capacity) }
        }
    }

    /// Each thread's rates and latencies over the window, by thread index.
    func windows() -> [ThreadWindow] {
        let samples = samples.withLock { $0 }
        guard let last = samples.last else { return [] }
        return last.threads.keys.sorted().map { index in
            let latest = last.threads[index]!
            var window = ThreadWindow(latest: latest)
            // The oldest sample of this thread (a replaced thread starts a new series).
            guard
                let first = samples.first(where: {
                    $0.threads[index] != nil && $0.threads[index]!.processed <= latest.processed
                }),
                let start = first.threads[index], first.at < last.at
            else { return window }
            let seconds =
                Double((last.at - first.at).components.seconds) + Double((last.at - first.at).components.attoseconds)
                / 1e18
            let processed = latest.processed - start.processed, commits = latest.commits - start.commits
            window.processRate = Double(processed) / seconds
            window.pollRate = Double(latest.polls - start.polls) / seconds
            window.commitRate = Double(commits) / seconds
            let punctuations = latest.punctuations - start.punctuations
            window.punctuateRate = Double(punctuations) / seconds
            if punctuations > 0 {
                window.punctuateLatencyAvgMs =
                    Double(latest.punctuateNanos - start.punctuateNanos) / Double(punctuations) / 1e6
            }
            window.processRatio = min(1, Double(latest.processNanos - start.processNanos) / (seconds * 1e9))
            let before = Dictionary(start.taskSamples.map { ($0.task, $0) }) { $1 }
            for task in latest.taskSamples {
                // A task created within the window counts from zero.
                let spent = task.processNanos - min(before[task.task]?.processNanos ?? 0, task.processNanos)
                window.taskProcessRatio[task.task] = min(1, Double(spent) / (seconds * 1e9))
                let enforced =
                    task.enforcedProcessing - min(before[task.task]?.enforcedProcessing ?? 0, task.enforcedProcessing)
                window.taskEnforcedProcessingRate[task.task] = Double(enforced) / seconds
            }
            window.storeOperations = Self.storeOperations(from: start, to: latest, seconds: seconds)
            if processed > 0 {
                window.processLatencyAvgMs = Double(latest.processNanos - start.processNanos) / Double(processed) / 1e6
            }
            if commits > 0 {
                window.commitLatencyAvgMs = Double(latest.commitNanos - start.commitNanos) / Double(commits) / 1e6
            }
            let inWindow = samples.compactMap { $0.threads[index] }
            window.processLatencyMaxMs = Double(inWindow.map(\.processMaxNanos).max() ?? 0) / 1e6
            window.commitLatencyMaxMs = Double(inWindow.map(\.commitMaxNanos).max() ?? 0) / 1e6
            return window
        }
    }

    /// Store operation rates and latencies between two samples of one thread; an operation
    /// first counted within the window counts from zero.
    private static func storeOperations(from start: ThreadSample, to latest: ThreadSample, seconds: Double)
        -> [StoreOperationWindow]
    {
        var before: [String: StoreSample.OperationCount] = [:]
        for task in start.taskSamples {
            for store in task.stores {
                for operation in store.operations {
                    before["\(task.task)/\(store.store)/\(operation.operation)"] = operation
                }
            }
        }
        var windows: [StoreOperationWindow] = []
        for task in latest.taskSamples {
            for store in task.stores {
                for operation in store.operations {
                    let earlier = before["\(task.task)/\(store.store)/\(operation.operation)"]
                    let calls = operation.count - min(earlier?.count ?? 0, operation.count)
                    let nanos = operation.nanos - min(earlier?.nanos ?? 0, operation.nanos)
                    var window = StoreOperationWindow(
                        task: task.task, store: store.store, operation: operation.operation, total: operation.count)
                    window.rate = Double(calls) / seconds
                    if calls > 0 { window.latencyAvgMs = Double(nanos) / Double(calls) / 1e6 }
                    windows.append(window)
                }
            }
        }
        return windows
    }
}
