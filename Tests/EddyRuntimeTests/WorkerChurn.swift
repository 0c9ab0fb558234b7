import EddyTestSupport
import Foundation
import Testing

/// The membership changes the multi-worker tests put one application through, watched by a
/// ``TaskOwnershipMonitor``: workers `a` and `b` start; `c` joins; `b` leaves cleanly; `c` is
/// killed (kill -9, its transaction left open); `b` comes back on its state directory. After
/// each change the group must settle with every task owned exactly once by the workers then
/// running. `started` runs once `a` and `b` own every task; `step` (which produces input) runs
/// after it and around every change, so input arrives before, during and after each one.
/// Returns the two workers left running, `a` and the returned `b`, and the killed `c` (whose log stays readable).
func churnWorkers(
    app: String, directory: TemporaryDirectory, monitor: TaskOwnershipMonitor, tasks: Set<String>,
    started: () throws -> Void = {}, step: () throws -> Void
) throws -> (a: WorkerProcess, b: WorkerProcess, killed: WorkerProcess) {
    func waitForOwners(_ names: Set<String>, _ what: String) throws {
        try waitUntil(
            "\(what): every task owned once, by \(names.sorted())", timeout: .seconds(90),
            detail: { "; owned: \(monitor.owned())" }
        ) {
            let owned = monitor.owned().filter { names.contains($0.key) }
            let all = owned.values.flatMap { $0 }
            return Set(owned.keys) == names && owned.values.allSatisfy { !$0.isEmpty } && all.count == tasks.count
                && Set(all) == tasks
        }
    }
    let a = try WorkerProcess(app: app, instance: "a", directory: directory)
    monitor.watch("a", a)
    let b = try WorkerProcess(app: app, instance: "b", directory: directory)
    monitor.watch("b", b)
    try waitForOwners(["a", "b"], "a and b started")
    try started()
    try step()

    let c = try WorkerProcess(app: app, instance: "c", directory: directory)
    monitor.watch("c", c)
    try step()
    try waitForOwners(["a", "b", "c"], "c joined")
    try step()

    #expect(try b.stop() == 0)
    try step()
    try waitForOwners(["a", "c"], "b left")

    monitor.forget("c")
    c.crash()
    try step()
    let b2 = try WorkerProcess(app: app, instance: "b", directory: directory)
    monitor.watch("b2", b2)
    try step()
    try waitForOwners(["a", "b2"], "c killed and b back")
    try step()
    return (a, b2, c)
}
