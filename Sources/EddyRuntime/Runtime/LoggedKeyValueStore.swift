import EddyHost

/// A task's key-value store whose updates are also written to its changelog topic.
///
/// Updates are de-duplicated per key between commits (as Kafka Streams' record cache does:
/// 1,000 updates of one key produce one changelog record) and handed to the commit, which
/// sends them inside the same transaction as the outputs and the consumed offsets.
final class LoggedKeyValueStore: KeyValueStorage {
    let name: String
    let changelogTopic: String?
    let inner: any KeyValueStorage
    /// Keys written since the last commit, in first-write order, with their latest value.
    private var dirty: [[UInt8]: Int] = [:]
    private var pending: [ChangelogRecord] = []

    init(name: String, changelogTopic: String?, inner: any KeyValueStorage) {
        self.name = name
        self.changelogTopic = changelogTopic
        self.inner = inner
    }

    func get(_ key: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer?) -> Void) {
        inner.get(key, body)
    }

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        inner.put(key, value)
        record(key, Array(value))
    }

    func delete(_ key: UnsafeRawBufferPointer) {
        inner.delete(key)
        record(key, nil)
    }

    func range(from: [UInt8]?, to: [UInt8]?) -> any StoreIterator { inner.range(from: from, to: to) }

    func prefixScan(_ prefix: [UInt8]) -> any StoreIterator { inner.prefixScan(prefix) }

    /// The updates since the last call, one per key, in first-write order; clears them.
    func takeChangelog() -> [ChangelogRecord] {
        defer {
            pending.removeAll(keepingCapacity: true)
            dirty.removeAll(keepingCapacity: true)
        }
        return pending
    }

    /// Applies a changelog record during restoration (not logged again).
    func restore(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?) {
        if let value { inner.put(key, value) } else { inner.delete(key) }
    }

    private func record(_ key: UnsafeRawBufferPointer, _ value: [UInt8]?) {
        guard changelogTopic != nil else { return }
        let k = Array(key)
        if let index = dirty[k] {
            pending[index].value = value
        } else {
            dirty[k] = pending.count
            pending.append(ChangelogRecord(key: k, value: value))
        }
    }
}
