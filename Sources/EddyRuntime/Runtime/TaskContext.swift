import EddyHost
import EddySDK
import Logging

/// The host side of one plugin processor instance inside a stream task: forwarded records
/// go to the node's children in the task's graph.
final class TaskContext: HostContext {
    unowned let task: StreamTask
    let nodeIndex: Int
    let logger: Logger

    init(task: StreamTask, nodeIndex: Int, applicationId: String, config: [String: String], stores: [HostStore], logger: Logger) {
        self.task = task
        self.nodeIndex = nodeIndex
        self.logger = logger
        super.init(taskId: task.id.description, applicationId: applicationId, config: config, stores: stores)
    }

    override func forward(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
        task.forward(from: nodeIndex, to: child.map { String(cString: $0) }, record, context: self)
    }

    override var wallClockTime: Int64 { task.clock.now() }

    override func log(_ level: LogLevel, _ message: String) {
        let swiftLevel: Logger.Level =
            switch level {
            case .trace: .trace
            case .debug: .debug
            case .info: .info
            case .warn: .warning
            default: .error
            }
        logger.log(level: swiftLevel, "\(message)", metadata: ["task": "\(taskId)"])
    }
}
