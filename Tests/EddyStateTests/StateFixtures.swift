import EddyTestSupport
import Foundation
import Testing

@testable import EddyState

/// A fresh `state.dir` under the system temp directory, removed when `body` returns.
func withStateDirectory<R>(
    applicationId: String = "app", memoryMB: Int = 32, _ body: (StateDirectory) throws -> R
) throws -> R {
    let root = TemporaryDirectory("eddy-state")
    let directory = try StateDirectory(
        root: root.path, applicationId: applicationId, environment: RocksDBEnvironment(memoryMB: memoryMB))
    return try withExtendedLifetime(root) { try body(directory) }
}

/// One key-value store of task `taskId` in a fresh `state.dir`, with a record-cache budget
/// of its own (1 MiB unless given); closed, unlocked and removed when `body` returns.
func withStore<R>(
    _ spec: StoreSpec = kvSpec(), task taskId: String = "0_0",
    budget: RecordCacheBudget = RecordCacheBudget(maxBytes: 1 << 20), _ body: (KeyValueStateStore) throws -> R
) throws -> R {
    try withStateDirectory { state in
        let task = try state.lockTask(taskId)
        defer { task.unlock() }
        let store = try task.openKeyValueStore(spec, cacheBudget: budget)
        defer { store.close() }
        return try body(store)
    }
}

let testPartition = ChangelogPartition(topic: "app-counts-changelog", partition: 3)

func kvSpec(
    _ name: String = "counts", persistent: Bool = true, keySerde: String = "string",
    valueSerde: String = "string"
) -> StoreSpec {
    StoreSpec(name: name, kind: .keyValue, keySerde: keySerde, valueSerde: valueSerde, persistent: persistent)
}

func bytes(_ s: String) -> [UInt8] { Array(s.utf8) }

func text(_ b: UnsafeRawBufferPointer) -> String { String(decoding: b, as: UTF8.self) }

/// String conveniences so tests state exact expected contents readably.
extension KeyValueStateStore {
    func put(_ key: String, _ value: String) {
        bytes(key).withUnsafeBytes { k in bytes(value).withUnsafeBytes { v in put(k, v) } }
    }

    func delete(_ key: String) {
        bytes(key).withUnsafeBytes { delete($0) }
    }

    func get(_ key: String) throws -> String? {
        try bytes(key).withUnsafeBytes { k in try get(k) { $0.map(text) } }
    }

    /// `key=value` lines of a range scan.
    func range(_ from: String?, _ to: String?) throws -> [String] {
        var out: [String] = []
        let f = from.map(bytes)
        let t = to.map(bytes)
        try withOptionalBytes(f) { fb in
            try withOptionalBytes(t) { tb in
                try range(from: fb, to: tb) { k, v in
                    out.append("\(text(k))=\(text(v))")
                    return true
                }
            }
        }
        return out
    }

    func prefix(_ p: String) throws -> [String] {
        var out: [String] = []
        try bytes(p).withUnsafeBytes { pb in
            try prefixScan(pb) { k, v in
                out.append("\(text(k))=\(text(v))")
                return true
            }
        }
        return out
    }

    /// `key=value` or `key=<tombstone>` lines of the dirty entries.
    func dirtyEntries() -> [String] {
        var out: [String] = []
        forEachDirtyEntry { k, v in out.append("\(text(k))=\(v.map(text) ?? "<tombstone>")") }
        return out
    }

    /// Restores `records` (value nil = tombstone) as one batch.
    func restore(_ records: [(String, String?)], nextOffset: Int64, partition: ChangelogPartition = testPartition)
        throws
    {
        try restore(partition, nextOffset: nextOffset) { batch in
            for (key, value) in records {
                bytes(key).withUnsafeBytes { k in
                    if let value {
                        bytes(value).withUnsafeBytes { batch.apply(k, $0) }
                    } else {
                        batch.apply(k, nil)
                    }
                }
            }
        }
    }
}

func withOptionalBytes<R>(_ b: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let b else { return try body(nil) }
    return try b.withUnsafeBytes { try body($0) }
}

/// The error a throwing expression raised, as a `StateStoreError`.
func stateError(_ body: () throws -> Void) -> StateStoreError? {
    do {
        try body()
        return nil
    } catch let error as StateStoreError {
        return error
    } catch {
        Issue.record("unexpected error type: \(error)")
        return nil
    }
}
