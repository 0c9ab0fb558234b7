import Synchronization

/// A test's hold on one task's restoration: once the task has restored `afterRecords`
/// changelog records, its changelog partitions stop being read until ``release()``, while
/// the thread goes on with everything else. It lets a test observe a restoration in
/// progress at an exact point instead of racing it with sleeps.
final class RestoreHold: Sendable {
    let task: TaskId
    let afterRecords: Int
    private let state = Mutex<(reached: Bool, released: Bool)>((false, false))

    init(task: TaskId, afterRecords: Int) {
        self.task = task
        self.afterRecords = afterRecords
    }

    /// Whether the hold has stopped the task's restoration (it stays true after release).
    var isReached: Bool { state.withLock { $0.reached } }

    /// Lets the held restoration go on.
    func release() { state.withLock { $0.released = true } }

    var isReleased: Bool { state.withLock { $0.released } }

    /// Called by the reader after each batch it applies to a store of `task`.
    func holds(_ task: TaskId, afterRestoring restored: Int) -> Bool {
        guard task == self.task, restored >= afterRecords else { return false }
        return state.withLock { state in
            guard !state.released else { return false }
            state.reached = true
            return true
        }
    }
}
