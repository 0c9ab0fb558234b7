/// Changelog records of one poll, copied into one reused byte arena (no allocation per
/// record once warm) so they can be applied in a single write batch.
struct RestoreBuffer {
    private var bytes: [UInt8] = []
    /// (key start, key length, value start, value length or -1 for a tombstone).
    private var entries: [(Int, Int, Int, Int)] = []

    var count: Int { entries.count }

    mutating func removeAll() {
        bytes.removeAll(keepingCapacity: true)
        entries.removeAll(keepingCapacity: true)
    }

    /// Adds a record; `timestamp`, when given, is stored before a value (a table's store in
    /// the timestamped layout restored from its source topic, whose records hold the value alone).
    mutating func append(key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer?, timestamp: Int64? = nil) {
        let keyStart = bytes.count
        bytes.append(contentsOf: key)
        let valueStart = bytes.count
        if let value {
            if let timestamp { withUnsafeBytes(of: timestamp.bigEndian) { bytes.append(contentsOf: $0) } }
            bytes.append(contentsOf: value)
        }
        entries.append((keyStart, key.count, valueStart, value == nil ? -1 : bytes.count - valueStart))
    }

    func forEach(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) -> Void) {
        bytes.withUnsafeBytes { all in
            for (keyStart, keyCount, valueStart, valueCount) in entries {
                let key = UnsafeRawBufferPointer(rebasing: all[keyStart..<(keyStart + keyCount)])
                let value =
                    valueCount < 0 ? nil : UnsafeRawBufferPointer(rebasing: all[valueStart..<(valueStart + valueCount)])
                body(key, value)
            }
        }
    }
}
