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
        var processLatencyAvgMs = 0.0
        var processLatencyMaxMs = 0.0
        var commitLatencyAvgMs = 0.0
        var commitLatencyMaxMs = 0.0
        /// The share of wall time spent processing records.
        var processRatio = 0.0
        /// Each task's share of wall time spent processing its records, by task id.
        var taskProcessRatio: [String: Double] = [:]
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
            guard let first = samples.first(where: { $0.threads[index] != nil && $0.threads[index]!.processed <= latest.processed }),
                let start = first.threads[index], first.at < last.at
            else { return window }
            let seconds = Double((last.at - first.at).components.seconds) + Double((last.at - first.at).components.attoseconds) / 1e18
            let processed = latest.processed - start.processed, commits = latest.commits - start.commits
            window.processRate = Double(processed) / seconds
            window.pollRate = Double(latest.polls - start.polls) / seconds
            window.commitRate = Double(commits) / seconds
            window.processRatio = min(1, Double(latest.processNanos - start.processNanos) / (seconds * 1e9))
            let before = Dictionary(start.taskSamples.map { ($0.task, $0.processNanos) }) { $1 }
            for task in latest.taskSamples {
                // A task created within the window counts from zero.
                let spent = task.processNanos - min(before[task.task] ?? 0, task.processNanos)
                window.taskProcessRatio[task.task] = min(1, Double(spent) / (seconds * 1e9))
            }
            if processed > 0 { window.processLatencyAvgMs = Double(latest.processNanos - start.processNanos) / Double(processed) / 1e6 }
            if commits > 0 { window.commitLatencyAvgMs = Double(latest.commitNanos - start.commitNanos) / Double(commits) / 1e6 }
            let inWindow = samples.compactMap { $0.threads[index] }
            window.processLatencyMaxMs = Double(inWindow.map(\.processMaxNanos).max() ?? 0) / 1e6
            window.commitLatencyMaxMs = Double(inWindow.map(\.commitMaxNanos).max() ?? 0) / 1e6
            return window
        }
    }
}
