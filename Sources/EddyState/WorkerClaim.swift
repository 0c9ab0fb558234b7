import Foundation

/// A worker's hold on its application state directory (see ``StateDirectory/claim()``) and
/// the identity kept there. Released by ``release()`` (or deinit) once the worker's stream
/// threads have ended.
public final class WorkerClaim: @unchecked Sendable {
    /// The file in `state.dir/<application.id>` that holds the worker's instance id.
    static let instanceIdFile = "instance.id"

    /// This state directory's worker identity: made at random by the first worker that ran
    /// on it and kept for every later one.
    public let instanceId: String
    private let lock: DirectoryLock

    init(lock: DirectoryLock, instanceId: String) {
        self.lock = lock
        self.instanceId = instanceId
    }

    deinit { release() }

    /// Lets another worker claim the directory; further calls do nothing.
    public func release() { lock.release() }

    /// The id kept in `directory`, written there first when there is none (the caller holds
    /// the directory's lock).
    static func instanceId(in directory: String) throws -> String {
        let path = directory + "/" + instanceIdFile
        if let kept = try readKept(path) { return kept }
        var random = SystemRandomNumberGenerator()
        let id = "eddy-" + hex(random.next() as UInt64)
        try AtomicFile.write(id + "\n", to: path)
        return id
    }

    private static func readKept(_ path: String) throws -> String? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw StateStoreError.fileSystem(operation: "read", path: path, reason: "the file cannot be read")
        }
        guard let id = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace).first else {
            throw StateStoreError.corruptMetadata(
                file: path, reason: "it holds no instance id; delete it and this state directory gets a new one")
        }
        return String(id)
    }

    private static func hex(_ value: UInt64) -> String {
        let digits = String(value, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
