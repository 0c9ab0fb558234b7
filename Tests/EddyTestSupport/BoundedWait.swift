import Foundation

/// Why a bounded wait in a test ended without its condition: what it waited for and the last
/// state it saw, so a failure says more than "timed out".
public struct TestTimeout: Error, CustomStringConvertible {
    public let description: String

    public init(description: String) { self.description = description }

    public init(waitingFor what: String, last: String) {
        description = "timed out waiting for \(what); last state: \(last)"
    }
}

/// Polls `condition` every 10 ms until it holds, throwing `TestTimeout` after `timeout` with
/// `what` in the message (and `detail()`, e.g. a worker's log); `condition` may throw to give
/// up early. For conditions nothing signals (a file, a topic's end, a process's log).
public func waitUntil(
    _ what: String, timeout: Duration = .seconds(60), detail: () -> String = { "" }, _ condition: () throws -> Bool
) throws {
    let deadline = ContinuousClock.now.advanced(by: timeout)
    while try !condition() {
        guard ContinuousClock.now < deadline else {
            throw TestTimeout(description: "timed out after \(timeout) waiting until \(what)\(detail())")
        }
        usleep(10_000)
    }
}
