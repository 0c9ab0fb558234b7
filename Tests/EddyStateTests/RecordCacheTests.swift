import Testing

@testable import EddyState

@Suite struct RecordCacheTests {
    @Test(arguments: [true, false])
    func aThousandUpdatesOfOneKeyAreOneDirtyEntry(persistent: Bool) throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1 << 20)
            let store = try task.openKeyValueStore(kvSpec(persistent: persistent), cacheBudget: budget)
            defer { store.close() }
            for i in 1...1000 { store.put("word", String(i)) }
            #expect(store.dirtyEntryCount == 1)
            #expect(store.dirtyEntries() == ["word=1000"])
            #expect(budget.usedBytes == 4 + 4 + RecordCache.entryOverhead)
            try store.commit(checkpoint: [testPartition: 1000])
            #expect(store.dirtyEntryCount == 0)
            #expect(budget.usedBytes == 0)
            #expect(try store.get("word") == "1000")
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
            // Each entry costs 2 + 10 + 64 bytes (or 3 + 10 + 64 from k10 on): two stores fill 1000 bytes at 7 writes.
            #expect(writes == 7)
            #expect(first.needsCommit)
            #expect(budget.usedBytes == 7 * 2 * 76)
            #expect(try first.range(nil, nil).count == 7)
            // Discarding leaves nothing behind: no write went past the cache.
            first.discardUncommitted()
            #expect(try first.range(nil, nil) == [])
            #expect(budget.usedBytes == 7 * 76)
            #expect(!second.needsCommit)
            try second.commit(checkpoint: [:])
            #expect(budget.usedBytes == 0)
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
