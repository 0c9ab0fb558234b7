#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Why a state store or state directory operation failed, in words a user can act on.
///
/// Every case names the directory or store involved and says what to do about it, because
/// a state directory problem is almost always fixed by a person (stop the other worker,
/// move a foreign directory away, delete a store so that it restores from its changelog).
public enum StateStoreError: Error, Equatable, CustomStringConvertible {
    /// Another process (or another owner in this process) holds the task directory lock.
    case taskDirectoryLocked(directory: String, holder: String)
    /// Another worker runs on this application's state directory.
    case stateDirectoryInUse(directory: String, holder: String)
    /// The directory exists but was not written by Eddy: no store metadata file in it.
    case foreignDirectory(directory: String, found: [String])
    /// The store metadata file exists but cannot be read as Eddy store metadata.
    case corruptMetadata(file: String, reason: String)
    /// The store on disk was created with a different kind, serde or layout than declared now.
    case incompatibleStore(directory: String, field: String, onDisk: String, declared: String)
    /// A table's or a key-value aggregation's store written by an older Eddy, which kept plain
    /// values (value serde `onDisk`), where they now keep each value with its timestamp
    /// (`timestamped:<onDisk>`).
    case plainTableLayout(directory: String, valueSerde: String)
    /// RocksDB refused an operation; `message` is RocksDB's own text.
    case rocksDB(operation: String, directory: String, message: String)
    /// A file system call failed.
    case io(operation: String, path: String, errno: Int32)
    /// A file system operation failed; `reason` is the system's explanation.
    case fileSystem(operation: String, path: String, reason: String)
    /// The caller broke the store's usage contract (for example restoring with uncommitted writes).
    case misuse(store: String, reason: String)
    /// A value passed in is outside what the store accepts.
    case invalidArgument(store: String, reason: String)

    public var description: String {
        switch self {
        case let .taskDirectoryLocked(directory, holder):
            return "task directory \(directory) is locked by \(holder); another worker of the same "
                + "application owns this task — stop it, or give this worker its own state.dir"
        case let .stateDirectoryInUse(directory, holder):
            return "state directory \(directory) is in use by another worker (\(holder)); each worker on one machine "
                + "needs a state.dir of its own: give this one another (`eddy run --state-dir DIR`, or state.dir in its app file)"
        case let .foreignDirectory(directory, found):
            let listing = found.prefix(5).joined(separator: ", ")
            return "store directory \(directory) was not created by Eddy (it has no EDDY-STORE metadata file; "
                + "found: \(listing)); move it away or point state.dir elsewhere — Eddy will not overwrite it"
        case let .corruptMetadata(file, reason):
            return "store metadata file \(file) is corrupt: \(reason); delete the store directory that "
                + "holds it to rebuild the store from its changelog"
        case let .incompatibleStore(directory, field, onDisk, declared):
            return "store at \(directory) was created with \(field) '\(onDisk)' but is now declared with "
                + "'\(declared)'; declare '\(onDisk)' again, or delete the directory to rebuild the store "
                + "from its changelog with the new \(field)"
        case let .plainTableLayout(directory, valueSerde):
            return
                "store at \(directory) keeps values without their timestamps (value.serde '\(valueSerde)'), "
                + "as Eddy did before the stores of tables and aggregations kept each value's timestamp "
                + "('timestamped:\(valueSerde)'); its changelog holds the same plain values, so stop the workers "
                + "and reset the application (`eddy app reset app.yaml`): the next run rebuilds the store in the "
                + "new layout from the input (a table read from its source topic is rebuilt too if you stop the "
                + "worker and delete the directory: it is restored with timestamps from the topic)"
        case let .rocksDB(operation, directory, message):
            return "RocksDB \(operation) failed for \(directory): \(message)"
        case let .io(operation, path, code):
            return "\(operation) \(path) failed: \(String(cString: strerror(code))) (errno \(code))"
        case let .fileSystem(operation, path, reason):
            return "\(operation) \(path) failed: \(reason)"
        case let .misuse(store, reason):
            return "state store '\(store)': \(reason)"
        case let .invalidArgument(store, reason):
            return "state store '\(store)': \(reason)"
        }
    }
}
