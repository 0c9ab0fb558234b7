/// The state directory of one application on this machine:
/// `state.dir/<application.id>/<task id>/<store>`, one RocksDB instance per task and store.
///
/// One instance per store keeps a store's lifecycle independent (a task's stores open,
/// close, and are wiped or restored one by one; a revoked task's directory can be deleted
/// as a whole) and matches this layout; memory stays bounded regardless, because all
/// instances share the ``RocksDBEnvironment``'s block cache and memtable budget.
public struct StateDirectory: Sendable {
    /// `state.dir`.
    public let root: String
    /// `application.id`.
    public let applicationId: String
    /// The process-wide RocksDB resources that every persistent store uses.
    public let environment: RocksDBEnvironment

    public init(root: String, applicationId: String, environment: RocksDBEnvironment) throws {
        try Self.checkName(applicationId, what: "application.id")
        self.root = root
        self.applicationId = applicationId
        self.environment = environment
    }

    /// `state.dir/<application.id>`.
    public var applicationPath: String { root + "/" + applicationId }

    /// `state.dir/<application.id>/<task id>`.
    public func taskPath(_ taskId: String) -> String { applicationPath + "/" + taskId }

    /// Creates the task's directory if needed and takes its lock; throws
    /// ``StateStoreError/taskDirectoryLocked(directory:holder:)`` naming the holder when
    /// another owner still has it after `wait` (see ``DirectoryLock``).
    public func lockTask(_ taskId: String, waitingUpTo wait: Duration = .zero) throws -> TaskStateDirectory {
        try Self.checkName(taskId, what: "task id")
        let path = taskPath(taskId)
        try createDirectories(path)
        let lock = try DirectoryLock(directory: path, waitingUpTo: wait) {
            .taskDirectoryLocked(directory: path, holder: $0)
        }
        return TaskStateDirectory(taskId: taskId, path: path, lock: lock, environment: environment)
    }

    /// Claims `state.dir/<application.id>` for this worker, for as long as it runs: one worker
    /// per state directory, as Kafka Streams allows. Throws
    /// ``StateStoreError/stateDirectoryInUse(directory:holder:)`` naming the worker that has it.
    ///
    /// The claim carries the worker's identity, kept in the directory: a worker restarted on
    /// the same state directory is the same instance (its transactional ids fence its own
    /// zombie at once), and two workers on one machine, each with its own state directory,
    /// never share one.
    public func claim() throws -> WorkerClaim {
        let path = applicationPath
        try createDirectories(path)
        let lock = try DirectoryLock(directory: path) { .stateDirectoryInUse(directory: path, holder: $0) }
        do {
            return WorkerClaim(lock: lock, instanceId: try WorkerClaim.instanceId(in: path))
        } catch {
            lock.release()
            throw error
        }
    }

    static func checkName(_ name: String, what: String) throws {
        if name.isEmpty || name == "." || name == ".." || name.contains("/") || name.contains("\0") {
            throw StateStoreError.invalidArgument(
                store: name, reason: "\(what) '\(name)' cannot name a directory: use a non-empty name without '/'")
        }
    }
}

/// A locked task directory: the place where the task's stores are opened. The lock is held
/// until ``unlock()`` (or deinit); close the task's stores first.
public final class TaskStateDirectory {
    /// The task id, e.g. `0_3`.
    public let taskId: String
    /// `state.dir/<application.id>/<task id>`.
    public let path: String
    private let lock: DirectoryLock
    private let environment: RocksDBEnvironment

    init(taskId: String, path: String, lock: DirectoryLock, environment: RocksDBEnvironment) {
        self.taskId = taskId
        self.path = path
        self.lock = lock
        self.environment = environment
    }

    /// `<task directory>/<store>`.
    public func storePath(_ store: String) -> String { path + "/" + store }

    /// Opens (creating when new) the key-value store `spec.name` of this task, checking its
    /// metadata against `spec`; uncommitted writes are charged to `cacheBudget`.
    public func openKeyValueStore(_ spec: StoreSpec, cacheBudget: RecordCacheBudget) throws -> KeyValueStateStore {
        guard spec.kind == .keyValue else {
            throw StateStoreError.invalidArgument(
                store: spec.name,
                reason:
                    "declared as a \(spec.kind.name) store; open it with open\(spec.kind.name.capitalizedFirst)Store")
        }
        return try openStore(spec, cacheBudget: cacheBudget)
    }

    /// Opens (creating when new) the window store `spec.name` of this task.
    public func openWindowStore(_ spec: StoreSpec, cacheBudget: RecordCacheBudget) throws -> WindowStateStore {
        guard case let .window(retentionMs, segmentIntervalMs) = spec.kind else {
            throw StateStoreError.invalidArgument(
                store: spec.name,
                reason:
                    "declared as a \(spec.kind.name) store; open it with open\(spec.kind.name.capitalizedFirst)Store")
        }
        let store = try openStore(spec, cacheBudget: cacheBudget)
        return try WindowStateStore(store: store, retentionMs: retentionMs, segmentIntervalMs: segmentIntervalMs)
    }

    /// Opens (creating when new) the session store `spec.name` of this task.
    public func openSessionStore(_ spec: StoreSpec, cacheBudget: RecordCacheBudget) throws -> SessionStateStore {
        guard case let .session(retentionMs, segmentIntervalMs) = spec.kind else {
            throw StateStoreError.invalidArgument(
                store: spec.name,
                reason:
                    "declared as a \(spec.kind.name) store; open it with open\(spec.kind.name.capitalizedFirst)Store")
        }
        let store = try openStore(spec, cacheBudget: cacheBudget)
        return try SessionStateStore(store: store, retentionMs: retentionMs, segmentIntervalMs: segmentIntervalMs)
    }

    /// Releases the task directory lock.
    public func unlock() { lock.release() }

    // MARK: - Private

    private func openStore(_ spec: StoreSpec, cacheBudget: RecordCacheBudget) throws -> KeyValueStateStore {
        try StateDirectory.checkName(spec.name, what: "store name")
        guard spec.persistent else {
            return try KeyValueStateStore(
                name: spec.name, directory: nil, backend: .inMemory(InMemoryDatabase()), cacheBudget: cacheBudget)
        }
        let directory = storePath(spec.name)
        try StoreMetadata.prepare(directory: directory, spec: spec)
        let database = try RocksDBDatabase(path: directory, environment: environment)
        return try KeyValueStateStore(
            name: spec.name, directory: directory, backend: .rocksDB(database), cacheBudget: cacheBudget)
    }
}

extension String {
    /// `keyValue` → `KeyValue`: a store kind's name inside an opener's name.
    fileprivate var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
