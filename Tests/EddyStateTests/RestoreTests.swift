import Testing

@testable import EddyState

@Suite struct RestoreTests {
    @Test(arguments: [true, false])
    func restoreSetsExactContentsAndCheckpoint(persistent: Bool) throws {
        try withStore(kvSpec(persistent: persistent), task: "0_3") { store in
            try store.restore([("a", "1"), ("b", "1"), ("a", "2"), ("c", "1")], nextOffset: 4)
            #expect(store.checkpoint == [testPartition: 4])
            try store.restore([("b", nil), ("d", "1"), ("c", "3")], nextOffset: 8)
            #expect(store.checkpoint == [testPartition: 8])
            #expect(try store.range(nil, nil) == ["a=2", "c=3", "d=1"])
            #expect(store.dirtyEntryCount == 0)
        }
    }

    @Test func restoredDataAndCheckpointSurviveAReopenAndTheTailResumes() throws {
        try withStateDirectory { state in
            do {
                let task = try state.lockTask("0_3")
                defer { task.unlock() }
                let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
                try store.restore([("a", "1"), ("b", "1")], nextOffset: 2)
                // A batch whose filling fails is not applied at all, checkpoint included.
                struct ConsumerFailed: Error {}
                #expect(throws: ConsumerFailed.self) {
                    try store.restore(testPartition, nextOffset: 5) { batch in
                        bytes("c").withUnsafeBytes { k in bytes("1").withUnsafeBytes { batch.apply(k, $0) } }
                        throw ConsumerFailed()
                    }
                }
                store.close()
            }
            let task = try state.lockTask("0_3")
            defer { task.unlock() }
            let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            #expect(store.checkpoint == [testPartition: 2])
            #expect(try store.range(nil, nil) == ["a=1", "b=1"])
            try store.restore([("c", "1"), ("a", nil)], nextOffset: 5)
            #expect(try store.range(nil, nil) == ["b=1", "c=1"])
            #expect(store.checkpoint == [testPartition: 5])
        }
    }

    @Test func gatheredRestoreBatchesAreWrittenOnceTheBufferFills() throws {
        try withStore(task: "0_3") { store in
            let value = [UInt8](repeating: 7, count: 1000)
            // Each batch holds 5,000 records of about 1 KB: under the 16 MiB buffer alone.
            func restoreBatch(_ number: Int) throws {
                try store.restore(testPartition, nextOffset: Int64((number + 1) * 5000)) { batch in
                    for i in 0..<5000 {
                        bytes("k\(number * 5000 + i)").withUnsafeBytes { k in
                            value.withUnsafeBytes { batch.apply(k, $0) }
                        }
                    }
                }
            }
            try restoreBatch(0)
            #expect(store.pendingRestore() != nil)
            #expect(store.checkpoint == [testPartition: 5000])
            try restoreBatch(1)
            try restoreBatch(2)
            try restoreBatch(3)
            // 20,000 records of about 1 KB passed 16 MiB: written with their checkpoint.
            #expect(store.pendingRestore() == nil)
            try restoreBatch(4)
            #expect(store.pendingRestore() != nil)
            try store.completeRestore()
            #expect(store.pendingRestore() == nil)
            #expect(store.checkpoint == [testPartition: 25_000])
            var count = 0
            try store.range(from: nil, to: nil) { _, v in
                #expect(v.count == 1000)
                count += 1
                return true
            }
            #expect(count == 25_000)
        }
    }

    @Test func restoreRefusesToRunOverUncommittedWrites() throws {
        try withStore(task: "0_3") { store in
            store.put("a", "1")
            let error = stateError { try store.restore([("b", "1")], nextOffset: 1) }
            #expect(
                error
                    == .misuse(
                        store: "counts",
                        reason:
                            "restore called with 1 uncommitted writes; restore before processing, or commit or discard the writes first"
                    ))
            #expect(store.checkpoint == [:])
        }
    }
}
