import EddyState

/// Interactive queries of one task's store, from committed state only.
extension TaskStore {
    /// The entries `operation` asks for, read from RocksDB or the in-memory map without the
    /// record cache: what the last commit covers (under exactly-once, the last committed
    /// transaction). Called on the owning stream thread between two runs of records.
    func answer(_ operation: StoreQuery.Operation, partition: Int32) throws -> [QueriedEntry] {
        var entries: [QueriedEntry] = []
        func append(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) -> Bool {
            entries.append(QueriedEntry(partition: partition, key: Array(key), value: Array(value)))
            return true
        }
        switch (storage, operation) {
        case (.keyValue(let store), .get(let key)):
            try store.readingCommitted {
                try key.withUnsafeBytes { k in
                    try store.get(k) { value in
                        if let value {
                            entries.append(QueriedEntry(partition: partition, key: key, value: Array(value)))
                        }
                    }
                }
            }
        case (.keyValue(let store), .range(let from, let to)):
            try store.readingCommitted {
                try withBytes(from) { f in try withBytes(to) { t in try store.range(from: f, to: t, append) } }
            }
        case (.keyValue(let store), .all):
            try store.readingCommitted { try store.range(from: nil, to: nil, append) }
        case (.keyValue(let store), .prefix(let prefix)):
            try store.readingCommitted { try prefix.withUnsafeBytes { try store.prefixScan($0, append) } }
        case (.window(let store, let sizeMs), .windowFetch(let key, let from, let to)):
            try store.readingCommitted {
                try key.withUnsafeBytes { k in
                    try store.fetch(k, from: from, to: to) { start, value in
                        entries.append(
                            QueriedEntry(
                                partition: partition, key: key, value: Array(value), start: start, end: start + sizeMs))
                        return true
                    }
                }
            }
        case (.session(let store), .sessionFetch(let key)):
            try store.readingCommitted {
                let sessions = try key.withUnsafeBytes { try store.findSessions($0, earliestEnd: 0, latestStart: .max) }
                entries = sessions.map {
                    QueriedEntry(partition: partition, key: key, value: $0.value, start: $0.start, end: $0.end)
                }
            }
        default:
            throw StoreKindMismatch(
                store: name, operation: "query", kind: storage.kindName, expected: operation.storeKind)
        }
        return entries
    }
}

private func withBytes<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBytes { try body($0) }
}
