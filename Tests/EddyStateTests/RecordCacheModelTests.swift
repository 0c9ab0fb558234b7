import Testing

@testable import EddyState

/// The record cache (hash index, clean entries, lazy key order) driven through a store by a
/// long random mix of puts, deletes, gets, scans, commits, discards and range deletions,
/// against a plain dictionary model of the committed data and the uncommitted writes.
@Suite struct RecordCacheModelTests {
    /// Committed data, uncommitted writes (nil: a delete) and queued range deletions.
    struct Model {
        var committed: [[UInt8]: [UInt8]] = [:]
        var pending: [[UInt8]: [UInt8]?] = [:]
        var ranges: [([UInt8], [UInt8])] = []

        func get(_ key: [UInt8]) -> [UInt8]? {
            if let write = pending[key] { return write }
            return committed[key]
        }

        /// Every visible entry, sorted.
        func contents() -> [[UInt8]: [UInt8]] {
            var all = committed
            for (key, write) in pending { all[key] = write }
            return all
        }

        mutating func commit() {
            for (key, write) in pending { committed[key] = write }
            for (from, to) in ranges {
                committed = committed.filter { !inRange($0.key, from, to) }
            }
            pending = [:]
            ranges = []
        }
    }

    static func inRange(_ key: [UInt8], _ from: [UInt8], _ to: [UInt8]) -> Bool {
        !key.lexicographicallyPrecedes(from) && key.lexicographicallyPrecedes(to)
    }

    static func sorted(_ entries: [[UInt8]: [UInt8]]) -> [[UInt8]] {
        entries.sorted { $0.key.lexicographicallyPrecedes($1.key) }.map { $0.key + [0x3D] + $0.value }
    }

    @Test(arguments: [true, false])
    func matchesADictionaryModelThroughMixedOperations(persistent: Bool) throws {
        let budget = RecordCacheBudget(maxBytes: 1 << 20)
        try withStore(kvSpec(persistent: persistent), budget: budget) { store in
            var g = SortedByteMapTests.Generator(state: 0x9E37_79B9_7F4A_7C15)
            var model = Model()
            var scans = 0
            for step in 0..<6_000 {
                let key = SortedByteMapTests.key(&g)
                switch g.next() % 1000 {
                case 0..<450:
                    let value = Array("v\(step)".utf8)
                    key.withUnsafeBytes { k in value.withUnsafeBytes { store.put(k, $0) } }
                    model.pending[key] = .some(value)
                case 450..<600:
                    key.withUnsafeBytes { store.delete($0) }
                    model.pending[key] = .some(nil)
                case 600..<950:
                    let found = try key.withUnsafeBytes { k in try store.get(k) { $0.map { Array($0) } } }
                    #expect(found == model.get(key), "get at step \(step)")
                case 950..<975:
                    scans += 1
                    var listed: [[UInt8]] = []
                    try store.range(from: nil, to: nil) { k, v in
                        listed.append(Array(k) + [0x3D] + Array(v))
                        return true
                    }
                    #expect(listed == Self.sorted(model.contents()), "scan at step \(step)")
                case 975..<990:
                    var dirty: [[UInt8]] = []
                    store.forEachDirtyEntry { k, v in dirty.append(Array(k) + [0x3D] + (v.map { Array($0) } ?? [0xFF]))
                    }
                    let expected = model.pending.sorted { $0.key.lexicographicallyPrecedes($1.key) }
                        .map { $0.key + [0x3D] + ($0.value ?? [0xFF]) }
                    #expect(dirty == expected, "dirty entries at step \(step)")
                    try store.commit(checkpoint: [testPartition: Int64(step)])
                    model.commit()
                case 990..<996:
                    store.discardUncommitted()
                    model.pending = [:]
                    model.ranges = []
                default:
                    let to = key + [UInt8(g.next() % 256)]
                    store.deleteRangeAtCommit(from: key, to: to)
                    model.pending = model.pending.filter { !Self.inRange($0.key, key, to) }
                    model.ranges.append((key, to))
                }
                #expect(store.dirtyEntryCount == model.pending.count, "dirty count at step \(step)")
                let cache = store.cache
                let charged = cache.entries.reduce(0) { $0 + $1.keyCount + $1.valueCount + RecordCache.entryOverhead }
                let dirtyCharged = cache.entries.filter(\.isDirty).reduce(0) {
                    $0 + $1.keyCount + $1.valueCount + RecordCache.entryOverhead
                }
                #expect(budget.usedBytes == charged && cache.bytes == charged, "budget at step \(step)")
                #expect(store.dirtyBytes == dirtyCharged, "dirty bytes at step \(step)")
            }
            #expect(scans > 100)
            #expect(store.cache.count > 50)
        }
    }

    @Test func aScanSeesKeysAddedSinceTheLastScanInOrder() throws {
        try withStore(kvSpec(persistent: false)) { store in
            for key in ["m", "c", "x"] { store.put(key, key) }
            #expect(try store.range(nil, nil) == ["c=c", "m=m", "x=x"])
            // New keys before, between and after the ordered ones, and an update of one.
            for key in ["z", "a", "n", "d", "b"] { store.put(key, key) }
            store.put("m", "M")
            #expect(try store.range(nil, nil) == ["a=a", "b=b", "c=c", "d=d", "m=M", "n=n", "x=x", "z=z"])
            #expect(try store.range("c", "n") == ["c=c", "d=d", "m=M", "n=n"])
            try store.commit(checkpoint: [:])
            store.put("e", "e")
            store.delete("c")
            #expect(try store.range("b", "f") == ["b=b", "d=d", "e=e"])
            #expect(store.dirtyEntries() == ["c=<tombstone>", "e=e"])
        }
    }

    @Test func getThenPutOfOneKeyReusesTheEntryAndItsStorage() {
        let budget = RecordCacheBudget(maxBytes: 1 << 20)
        var cache = RecordCache(budget: budget)
        let keys = (0..<100).map { Array("user-\($0)".utf8) }
        for key in keys {
            key.withUnsafeBytes { k in [UInt8](repeating: 1, count: 8).withUnsafeBytes { cache.write(k, $0) } }
        }
        for (i, key) in keys.enumerated() {
            key.withUnsafeBytes { k in
                let number = cache.find(k)
                #expect(number == i)
                let storage = cache.entries[i].bytes.withUnsafeBytes { $0.baseAddress }
                [UInt8](repeating: 2, count: 8).withUnsafeBytes { cache.write(k, $0) }
                #expect(cache.entries[i].bytes.withUnsafeBytes { $0.baseAddress } == storage)
            }
        }
        #expect(cache.count == 100 && cache.dirtyCount == 100)
        #expect(cache.entries.allSatisfy { $0.bytes.suffix(8) == [UInt8](repeating: 2, count: 8) })
        cache.removeAll()
        #expect(budget.usedBytes == 0)
    }
}
