/// A map from byte-string keys to values, kept in unsigned byte order.
///
/// Entries live in a list of sorted chunks of at most `2 * chunkCapacity` entries each, so a
/// lookup is two binary searches and an insert moves at most one chunk's worth of entries:
/// a two-level B-tree without the bookkeeping. Used by the write-back record cache and the
/// in-memory key-value store, which both need exact ordered scans.
struct SortedByteMap<Value> {
    struct Entry {
        var key: [UInt8]
        /// The key's first 8 bytes, big-endian, zero-padded (see ``bytePrefix(_:)``).
        let prefix: UInt64
        var value: Value

        init(key: [UInt8], value: Value) {
            self.key = key
            prefix = key.withUnsafeBytes { bytePrefix($0) }
            self.value = value
        }
    }

    /// A place in the map: chunk number and index inside it. `chunk == chunks.count` is the end.
    struct Position: Equatable {
        var chunk: Int
        var index: Int
    }

    private static var chunkCapacity: Int { 128 }

    private(set) var chunks: [[Entry]] = []
    /// The prefix of each chunk's last key: the outer search reads this flat array and
    /// follows a key pointer only when prefixes tie.
    private var lastPrefixes: [UInt64] = []
    private(set) var count = 0

    var isEmpty: Bool { count == 0 }

    var endPosition: Position { Position(chunk: chunks.count, index: 0) }

    /// The first position whose key is not less than `key`, and whether that key equals it.
    func lowerBound(_ key: UnsafeRawBufferPointer) -> (position: Position, found: Bool) {
        let prefix = bytePrefix(key)
        var lo = 0
        var hi = chunks.count
        while lo < hi {
            let mid = (lo + hi) / 2
            let last = lastPrefixes[mid]
            let less: Bool
            if last != prefix {
                less = last < prefix
            } else {
                less = chunks[mid][chunks[mid].count - 1].key.withUnsafeBytes { compareBytes($0, key) } < 0
            }
            if less { lo = mid + 1 } else { hi = mid }
        }
        guard lo < chunks.count else { return (endPosition, false) }
        return chunks[lo].withUnsafeBufferPointer { chunk in
            var l = 0
            var h = chunk.count
            while l < h {
                let mid = (l + h) / 2
                if Self.compare(chunk[mid], key, prefix) < 0 { l = mid + 1 } else { h = mid }
            }
            return (Position(chunk: lo, index: l), Self.compare(chunk[l], key, prefix) == 0)
        }
    }

    /// The first position at or after `key`, or the start when `key` is nil.
    func start(atOrAfter key: UnsafeRawBufferPointer?) -> Position {
        guard let key else { return Position(chunk: 0, index: 0) }
        return lowerBound(key).position
    }

    func isValid(_ p: Position) -> Bool { p.chunk < chunks.count }

    func entry(at p: Position) -> Entry { chunks[p.chunk][p.index] }

    func withKey<R>(at p: Position, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try chunks[p.chunk][p.index].key.withUnsafeBytes(body)
    }

    func value(at p: Position) -> Value { chunks[p.chunk][p.index].value }

    func position(after p: Position) -> Position {
        if p.index + 1 < chunks[p.chunk].count { return Position(chunk: p.chunk, index: p.index + 1) }
        return Position(chunk: p.chunk + 1, index: 0)
    }

    /// The value stored for `key`, if any.
    func find(_ key: UnsafeRawBufferPointer) -> Value? {
        let (p, found) = lowerBound(key)
        return found ? chunks[p.chunk][p.index].value : nil
    }

    /// Inserts or updates the entry for `key` in place.
    ///
    /// `body` receives the existing value (or `makeNew()` when the key is absent, with
    /// `inserted == true`) to modify in place; updating an existing entry copies nothing.
    mutating func update<R>(
        _ key: UnsafeRawBufferPointer, makeNew: () -> Value, _ body: (inout Value, _ inserted: Bool) -> R
    ) -> R {
        let (p, found) = lowerBound(key)
        if found { return body(&chunks[p.chunk][p.index].value, false) }
        var value = makeNew()
        let r = body(&value, true)
        insert(Entry(key: Array(key), value: value), at: p)
        return r
    }

    /// Removes the entry for `key`; returns its value if there was one.
    @discardableResult
    mutating func remove(_ key: UnsafeRawBufferPointer) -> Value? {
        let (p, found) = lowerBound(key)
        guard found else { return nil }
        let removed = chunks[p.chunk].remove(at: p.index)
        if chunks[p.chunk].isEmpty {
            chunks.remove(at: p.chunk)
            lastPrefixes.remove(at: p.chunk)
        } else {
            refreshLastPrefix(p.chunk)
        }
        count -= 1
        return removed.value
    }

    /// Removes every entry whose key is in `[from, to)`, returning the removed entries' count.
    @discardableResult
    mutating func removeAll(from: UnsafeRawBufferPointer, to: UnsafeRawBufferPointer, _ each: (Entry) -> Void) -> Int {
        var p = lowerBound(from).position
        var removed = 0
        while isValid(p), withKey(at: p, { compareBytes($0, to) }) < 0 {
            each(chunks[p.chunk][p.index])
            chunks[p.chunk].remove(at: p.index)
            removed += 1
            if chunks[p.chunk].isEmpty {
                chunks.remove(at: p.chunk)
                lastPrefixes.remove(at: p.chunk)
                p = Position(chunk: p.chunk, index: 0)
            } else if p.index >= chunks[p.chunk].count {
                refreshLastPrefix(p.chunk)
                p = Position(chunk: p.chunk + 1, index: 0)
            }
        }
        count -= removed
        return removed
    }

    mutating func removeAll() {
        chunks.removeAll()
        lastPrefixes.removeAll()
        count = 0
    }

    // MARK: - Private

    @inline(__always)
    private static func compare(_ entry: Entry, _ key: UnsafeRawBufferPointer, _ prefix: UInt64) -> Int {
        if entry.prefix != prefix { return entry.prefix < prefix ? -1 : 1 }
        return entry.key.withUnsafeBytes { compareBytes($0, key) }
    }

    private mutating func refreshLastPrefix(_ c: Int) {
        lastPrefixes[c] = chunks[c][chunks[c].count - 1].prefix
    }

    private mutating func insert(_ entry: Entry, at p: Position) {
        count += 1
        if chunks.isEmpty {
            chunks.append([entry])
            lastPrefixes.append(entry.prefix)
            return
        }
        var c = p.chunk
        var i = p.index
        if c == chunks.count {
            c -= 1
            i = chunks[c].count
        }
        chunks[c].insert(entry, at: i)
        if chunks[c].count > 2 * Self.chunkCapacity {
            let tail = Array(chunks[c][Self.chunkCapacity...])
            chunks[c].removeSubrange(Self.chunkCapacity...)
            chunks.insert(tail, at: c + 1)
            lastPrefixes.insert(0, at: c + 1)
            refreshLastPrefix(c + 1)
        }
        refreshLastPrefix(c)
    }
}
