import Testing

@testable import EddyState

@Suite struct RecordCacheTests {
    @Test(arguments: [true, false])
    func aThousandUpdatesOfOneKeyAreOneDirtyEntry(persistent: Bool) throws {
        let budget = RecordCacheBudget(maxBytes: 1 << 20)
        try withStore(kvSpec(persistent: persistent), budget: budget) { store in
            for i in 1...1000 { store.put("word", String(i)) }
            #expect(store.dirtyEntryCount == 1)
            #expect(store.dirtyEntries() == ["word=1000"])
            #expect(budget.usedBytes == 4 + 4 + RecordCache.entryOverhead)
            #expect(store.dirtyBytes == 4 + 4 + RecordCache.entryOverhead)
            try store.commit(checkpoint: [testPartition: 1000])
            // The committed entry stays as a clean entry: still charged, no longer dirty.
            #expect(store.dirtyEntryCount == 0)
            #expect(store.dirtyBytes == 0)
            #expect(store.dirtyEntries() == [])
            #expect(budget.usedBytes == 4 + 4 + RecordCache.entryOverhead)
            #expect(try store.get("word") == "1000")
            store.put("word", "1001")
            #expect(store.dirtyEntries() == ["word=1001"])
            #expect(store.dirtyBytes == 4 + 4 + RecordCache.entryOverhead)
            #expect(budget.usedBytes == 4 + 4 + RecordCache.entryOverhead)
            store.close()
            #expect(budget.usedBytes == 0)
        }
    }

    @Test func theSharedBudgetSignalsACommitAndNeverSpills() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1000)
            let first = try task.openKeyValueStore(kvSpec("first"), cacheBudget: budget)
            let second = try task.openKeyValueStore(kvSpec("second"), cacheBudget: budget)
            defer {
                first.close()
                second.close()
            }
            var writes = 0
            while !second.needsCommit {
                first.put("k\(writes)", "0123456789")
                second.put("k\(writes)", "0123456789")
                writes += 1
            }
            // Each entry costs 2 + 10 + 128 bytes: two stores fill 1000 bytes at 4 writes.
            #expect(writes == 4)
            #expect(first.needsCommit)
            #expect(budget.usedBytes == 4 * 2 * 140)
            #expect(try first.range(nil, nil).count == 4)
            // Discarding leaves nothing behind: no write went past the cache.
            first.discardUncommitted()
            #expect(try first.range(nil, nil) == [])
            #expect(budget.usedBytes == 4 * 140)
            #expect(!second.needsCommit)
            // The caches would hold more than half the budget: the committed entries are dropped.
            try second.commit(checkpoint: [:])
            #expect(budget.usedBytes == 0)
            #expect(second.cache.isEmpty)
            #expect(try second.get("k3") == "0123456789")
            // Under half the budget, they stay as clean entries.
            second.put("k3", "x")
            try second.commit(checkpoint: [:])
            #expect(budget.usedBytes == 2 + 1 + 128)
            #expect(second.cache.count == 1 && second.dirtyEntryCount == 0)
            #expect(try second.range(nil, nil) == ["k0=0123456789", "k1=0123456789", "k2=0123456789", "k3=x"])
        }
    }

    @Test func overwritingAValueReChargesOnlyTheDifference() throws {
        let budget = RecordCacheBudget(maxBytes: 1 << 20)
        var cache = RecordCache(budget: budget)
        bytes("key").withUnsafeBytes { k in bytes("short").withUnsafeBytes { cache.write(k, $0) } }
        #expect(budget.usedBytes == 3 + 5 + RecordCache.entryOverhead)
        bytes("key").withUnsafeBytes { k in bytes("a much longer value").withUnsafeBytes { cache.write(k, $0) } }
        #expect(budget.usedBytes == 3 + 19 + RecordCache.entryOverhead)
        bytes("key").withUnsafeBytes { cache.write($0, nil) }
        #expect(budget.usedBytes == 3 + RecordCache.entryOverhead)
        #expect(cache.count == 1)
        cache.removeAll()
        #expect(budget.usedBytes == 0)
    }
}
