import Foundation

/// Looks at an application's state directory from outside a worker, for debugging tools
/// such as `eddy store dump|get`: which tasks hold which persistent stores, and a read-only
/// view of one of them.
///
/// Nothing here writes a store: listing reads only the `EDDY-STORE` metadata files, and
/// ``open(_:)`` takes the task directory lock (so a running worker cannot change the store
/// underneath, and a store that a running worker holds is refused) and opens RocksDB
/// read-only.
public struct StateInspector: Sendable {
    /// `state.dir`.
    public let root: String
    /// `application.id`.
    public let applicationId: String

    public init(root: String, applicationId: String) throws {
        try StateDirectory.checkName(applicationId, what: "application.id")
        self.root = root
        self.applicationId = applicationId
    }

    /// `state.dir/<application.id>`.
    public var applicationPath: String { root + "/" + applicationId }

    /// A persistent store found on disk, as its metadata file describes it.
    public struct StoreOnDisk: Sendable, Equatable {
        /// The task id, e.g. `1_3`: the name of the task directory.
        public let taskId: String
        /// The store name: the name of the store directory.
        public let name: String
        /// `state.dir/<application.id>/<task id>/<store>`.
        public let directory: String
        /// `keyValue` or `window`.
        public let kind: String
        /// The declared key serde, e.g. `string`.
        public let keySerde: String
        /// The declared value serde, e.g. `i64`.
        public let valueSerde: String
        /// Window stores: the window size in ms, when the metadata records it.
        public let windowSizeMs: Int64?
    }

    /// Every persistent store under `state.dir/<application.id>`, sorted by task directory
    /// name and store name. Directories without an `EDDY-STORE` file are not stores and are
    /// left out; an unreadable metadata file throws ``StateStoreError/corruptMetadata(file:reason:)``.
    /// Empty when the application has no state directory here.
    public func stores() throws -> [StoreOnDisk] {
        var found: [StoreOnDisk] = []
        for task in subdirectories(of: applicationPath) {
            let taskPath = applicationPath + "/" + task
            for store in subdirectories(of: taskPath) {
                let directory = taskPath + "/" + store
                let file = directory + "/" + StoreMetadata.fileName
                guard FileManager.default.fileExists(atPath: file) else { continue }
                let fields = try Self.readMetadata(file)
                found.append(
                    StoreOnDisk(
                        taskId: task, name: store, directory: directory, kind: fields["store.kind"]!,
                        keySerde: fields["key.serde"]!, valueSerde: fields["value.serde"]!,
                        windowSizeMs: fields["window.size.ms"].flatMap { Int64($0) }))
            }
        }
        return found
    }

    /// Takes the store's task directory lock and opens the store read-only. Throws
    /// ``StateStoreError/taskDirectoryLocked(directory:holder:)`` when a worker still holds
    /// the task after `wait`. Close the result to release the lock.
    public func open(_ store: StoreOnDisk, waitingUpTo wait: Duration = .zero) throws -> InspectedStore {
        let taskDirectory = (store.directory as NSString).deletingLastPathComponent
        let lock = try DirectoryLock(directory: taskDirectory, waitingUpTo: wait) {
            .taskDirectoryLocked(directory: taskDirectory, holder: $0)
        }
        do {
            return try InspectedStore(store: store, lock: lock)
        } catch {
            lock.release()
            throw error
        }
    }

    // MARK: - Private

    private func subdirectories(of path: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
        return names.filter { name in
            var isDirectory: ObjCBool = false
            return !name.hasPrefix(".")
                && FileManager.default.fileExists(atPath: path + "/" + name, isDirectory: &isDirectory)
                && isDirectory.boolValue
        }.sorted()
    }

    /// The `key=value` fields of a metadata file, checked for the header and the fields a
    /// reader needs.
    private static func readMetadata(_ file: String) throws -> [String: String] {
        guard let data = FileManager.default.contents(atPath: file),
            let text = String(data: data, encoding: .utf8)
        else {
            throw StateStoreError.corruptMetadata(file: file, reason: "it cannot be read as UTF-8 text")
        }
        var lines = text.split(separator: "\n")
        guard lines.first.map(String.init) == StoreMetadata.header else {
            throw StateStoreError.corruptMetadata(file: file, reason: "the first line is not Eddy's metadata header")
        }
        lines.removeFirst()
        var fields: [String: String] = [:]
        for line in lines {
            let parts = line.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
        }
        for required in ["store.kind", "key.serde", "value.serde"] where fields[required] == nil {
            throw StateStoreError.corruptMetadata(file: file, reason: "the field \(required) is missing")
        }
        return fields
    }
}
