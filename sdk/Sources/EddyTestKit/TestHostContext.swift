import EddyHost
@_spi(EddyHost) import EddySDK

/// The test driver's host context: records forwarded records and logs, and keeps a wall
/// clock that only moves when the test says so.
final class TestHostContext: HostContext {
    var forwarded: [ForwardedRecord] = []
    var logs: [(level: LogLevel, message: String)] = []
    var currentWallClockTime: Int64
    private let children: Set<String>?

    init(
        taskId: String, applicationId: String, config: [String: String], stores: [HostStore],
        wallClockTime: Int64, children: [String]?
    ) {
        self.currentWallClockTime = wallClockTime
        self.children = children.map(Set.init)
        super.init(taskId: taskId, applicationId: applicationId, config: config, stores: stores)
    }

    override func forward(_ record: UnsafePointer<eddy_record>, to childName: UnsafePointer<CChar>?) -> eddy_status {
        let child = childName.map { String(cString: $0) }
        if let child, let children, !children.contains(child) {
            setError("forward: no child named \(child); children are \(children.sorted().joined(separator: ", "))")
            return eddy_status(EDDY_INVALID_ARGUMENT)
        }
        let view = Record(unsafeRecord: record)
        forwarded.append(
            ForwardedRecord(
                key: view.key, value: view.value, timestamp: view.timestamp, headers: view.headers, child: child))
        return eddy_status(EDDY_OK)
    }

    override func log(_ level: LogLevel, _ message: String) {
        logs.append((level, message))
    }

    override var wallClockTime: Int64 { currentWallClockTime }
}
