import Testing

@testable import EddyState

@Suite struct KeyValueStoreTests {
    @Test(arguments: [true, false])
    func getPutDeleteThroughTheCacheAndAfterCommit(persistent: Bool) throws {
        try withStore(kvSpec(persistent: persistent), task: "0_1") { store in
            #expect(store.isPersistent == persistent)
            #expect(try store.get("a") == nil)
            store.put("a", "1")
            store.put("b", "2")
            #expect(try store.get("a") == "1")
            try store.commit(checkpoint: [testPartition: 2])
            #expect(store.dirtyEntryCount == 0)
            #expect(try store.get("a") == "1")
            #expect(try store.get("b") == "2")
            store.delete("a")
            store.put("b", "two")
            #expect(try store.get("a") == nil)
            #expect(try store.get("b") == "two")
            try store.commit(checkpoint: [testPartition: 4])
            #expect(try store.get("a") == nil)
            #expect(try store.get("b") == "two")
            #expect(store.checkpoint == [testPartition: 4])
        }
    }

    @Test(arguments: [true, false])
    func rangeAndPrefixMergeTheCacheOverCommittedData(persistent: Bool) throws {
        try withStore(kvSpec(persistent: persistent), task: "0_1") { store in
            for (k, v) in [("a", "1"), ("b", "2"), ("ba", "3"), ("bb", "4"), ("c", "5"), ("d", "6")] { store.put(k, v) }
            try store.commit(checkpoint: [testPartition: 6])

            store.put("b", "20")  // shadows a committed value
            store.delete("bb")  // hides a committed key
            store.put("bc", "7")  // new key between committed ones
            store.delete("zz")  // tombstone for a key that never existed
            store.put("e", "8")  // new key after all committed ones

            #expect(try store.range(nil, nil) == ["a=1", "b=20", "ba=3", "bc=7", "c=5", "d=6", "e=8"])
            #expect(try store.range("b", "c") == ["b=20", "ba=3", "bc=7", "c=5"])
            #expect(try store.range("bb", "bz") == ["bc=7"])
            #expect(try store.range("c", "b") == [])
            #expect(try store.range("d", nil) == ["d=6", "e=8"])
            #expect(try store.range(nil, "a") == ["a=1"])
            #expect(try store.prefix("b") == ["b=20", "ba=3", "bc=7"])
            #expect(try store.prefix("bb") == [])
            #expect(try store.prefix("x") == [])
            #expect(store.dirtyEntries() == ["b=20", "bb=<tombstone>", "bc=7", "e=8", "zz=<tombstone>"])

            try store.commit(checkpoint: [testPartition: 11])
            #expect(try store.range(nil, nil) == ["a=1", "b=20", "ba=3", "bc=7", "c=5", "d=6", "e=8"])
            #expect(try store.prefix("b") == ["b=20", "ba=3", "bc=7"])
        }
    }

    @Test(arguments: [true, false])
    func keysSortByUnsignedBytes(persistent: Bool) throws {
        try withStore(kvSpec(persistent: persistent), task: "0_1") { store in
            let keys: [[UInt8]] = [[0xFF], [0x80], [0x7F], [0x00], [0x80, 0x00], []]
            for (i, key) in keys.enumerated() where i % 2 == 0 {
                key.withUnsafeBytes { k in [UInt8(i)].withUnsafeBytes { store.put(k, $0) } }
            }
            try store.commit(checkpoint: [:])
            for (i, key) in keys.enumerated() where i % 2 == 1 {
                key.withUnsafeBytes { k in [UInt8(i)].withUnsafeBytes { store.put(k, $0) } }
            }
            var seen: [[UInt8]] = []
            try store.range(from: nil, to: nil) { k, v in
                seen.append(Array(k))
                #expect(v.count == 1)
                return true
            }
            #expect(seen == [[], [0x00], [0x7F], [0x80], [0x80, 0x00], [0xFF]])
            var stoppedAfter: [[UInt8]] = []
            try store.range(from: nil, to: nil) { k, _ in
                stoppedAfter.append(Array(k))
                return stoppedAfter.count < 2
            }
            #expect(stoppedAfter == [[], [0x00]])
        }
    }

    @Test func approximateCountTracksUncommittedKeys() throws {
        try withStore(kvSpec(persistent: false), task: "0_1") { store in
            for i in 0..<100 { store.put("k\(i)", "v") }
            #expect(try store.approximateCount() == 100)
            try store.commit(checkpoint: [:])
            #expect(try store.approximateCount() == 100)
            store.delete("k1")
            #expect(try store.approximateCount() == 99)
        }
    }
}
