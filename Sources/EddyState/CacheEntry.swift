/// One key of the record cache: its bytes and latest value in a single allocation, and what
/// the cache needs to find, order and account for it without touching those bytes.
struct CacheEntry {
    /// The key's bytes followed by the value's bytes (none for a tombstone).
    private(set) var bytes: [UInt8]
    let keyCount: Int
    /// The key's first 8 bytes, big-endian, zero-padded (see ``bytePrefix(_:)``), and the
    /// next 8: they order two keys without reading them whenever they differ, and settle the
    /// order of keys of up to 16 bytes with their lengths.
    let prefix: UInt64
    let secondPrefix: UInt64
    /// ``hashKey(_:)`` of the key, kept so the hash table can grow without rehashing bytes.
    let hash: UInt64
    private(set) var isTombstone: Bool
    /// Whether the value is written since the last commit (it goes to the changelog and the
    /// store at the next commit); a clean entry repeats what the store already holds.
    var isDirty: Bool

    /// A new dirty entry for `key` with `value` (nil for a tombstone).
    init(key: UnsafeRawBufferPointer, hash: UInt64, value: UnsafeRawBufferPointer?) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(key.count + (value?.count ?? 0))
        bytes.append(contentsOf: key)
        if let value { bytes.append(contentsOf: value) }
        self.bytes = bytes
        keyCount = key.count
        prefix = bytePrefix(key)
        secondPrefix = key.count > 8 ? bytePrefix(UnsafeRawBufferPointer(rebasing: key[8...])) : 0
        self.hash = hash
        isTombstone = value == nil
        isDirty = true
    }

    var valueCount: Int { bytes.count - keyCount }

    /// Replaces the value in place: the storage is reused whenever it has room.
    mutating func setValue(_ value: UnsafeRawBufferPointer?) {
        if let value, value.count == valueCount, !value.isEmpty {
            let keyCount = keyCount
            bytes.withUnsafeMutableBytes { all in
                UnsafeMutableRawBufferPointer(rebasing: all[keyCount...]).copyMemory(from: value)
            }
        } else {
            bytes.removeSubrange(keyCount...)
            if let value { bytes.append(contentsOf: value) }
        }
        isTombstone = value == nil
    }

    func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[..<keyCount])) }
    }

    /// Calls `body` with the key and the value (nil for a tombstone), borrowed for the call.
    func withEntry<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
        try bytes.withUnsafeBytes { all in
            let key = UnsafeRawBufferPointer(rebasing: all[..<keyCount])
            return try body(key, isTombstone ? nil : UnsafeRawBufferPointer(rebasing: all[keyCount...]))
        }
    }

    /// Whether the entry's key is `key`.
    @inline(__always)
    func hasKey(_ key: UnsafeRawBufferPointer) -> Bool {
        guard keyCount == key.count else { return false }
        return withKey { compareBytes($0, key) == 0 }
    }

    /// Unsigned byte order of the two entries' keys.
    @inline(__always)
    static func precedes(_ a: CacheEntry, _ b: CacheEntry) -> Bool {
        if a.prefix != b.prefix { return a.prefix < b.prefix }
        if a.secondPrefix != b.secondPrefix { return a.secondPrefix < b.secondPrefix }
        // Equal 16 zero-padded bytes: a shorter key is a proper prefix of the longer one.
        if a.keyCount <= 16 && b.keyCount <= 16 { return a.keyCount < b.keyCount }
        return a.withKey { ak in b.withKey { compareBytes(ak, $0) < 0 } }
    }

    /// Unsigned byte order of the entry's key against `key`, whose prefix is `prefix`.
    @inline(__always)
    func compare(_ key: UnsafeRawBufferPointer, prefix keyPrefix: UInt64) -> Int {
        if prefix != keyPrefix { return prefix < keyPrefix ? -1 : 1 }
        return withKey { compareBytes($0, key) }
    }
}
