/// A plugin's code failed beyond one record (`EDDY_ERROR` from a processor or a stream
/// function): the task fails, whatever the record handlers say. The host hands it to the
/// stream thread's uncaught-exception policy; `EddyTestKit` throws it as
/// `TestDriverError.failed`. A record a plugin *rejects* (`EDDY_REJECT`) goes to
/// ``TaskGraph/reject(origin:reason:node:plugin:)`` instead.
public struct NodeFailure: Error, CustomStringConvertible, Sendable {
    /// The node whose plugin code failed.
    public let node: String
    public let plugin: String
    public let taskId: String
    /// The message the plugin gave to `set_error`.
    public let reason: String

    public init(node: String, plugin: String, taskId: String, reason: String) {
        self.node = node
        self.plugin = plugin
        self.taskId = taskId
        self.reason = reason
    }

    public var description: String {
        "node \(node) (plugin \(plugin)) failed in task \(taskId): \(reason) — EDDY_ERROR fails the task; "
            + "a plugin that means to skip or dead-letter one record returns EDDY_REJECT (ProcessorError.reject)"
    }
}
