import Foundation
import Synchronization

/// A value that test threads change and the test waits on, without sleeping: every change
/// signals waiters, which re-check their condition until a deadline.
public final class Observed<Value: Sendable>: Sendable {
    private let state: Mutex<Value>
    private let changed = DispatchSemaphore(value: 0)

    public init(_ initial: Value) { state = Mutex(initial) }

    public var value: Value { state.withLock { $0 } }

    public func update(_ body: (inout Value) -> Void) {
        state.withLock { body(&$0) }
        changed.signal()
    }

    /// Waits until `condition` holds, throwing `TestTimeout` naming `what` after `timeout`.
    public func wait(for what: String, timeout: Duration = .seconds(60), _ condition: (Value) -> Bool) throws {
        let deadline = ContinuousClock.now.advanced(by: timeout)
        while !condition(value) {
            let left = deadline - ContinuousClock.now
            guard left > .zero else { throw TestTimeout(waitingFor: what, last: "\(value)") }
            _ = changed.wait(timeout: .now() + .milliseconds(Int(left.components.seconds * 1000 + 1)))
        }
    }
}
