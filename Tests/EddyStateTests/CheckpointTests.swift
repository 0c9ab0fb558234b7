import Testing

@testable import EddyState

@Suite struct CheckpointTests {
    @Test func aCommitWritesDataAndCheckpointTogetherAndAnUncommittedTailIsLost() throws {
        try withStateDirectory { state in
            do {
                let task = try state.lockTask("1_3")
                defer { task.unlock() }
                let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
                #expect(store.checkpoint == [:])
                store.put("a", "1")
                store.put("b", "1")
                try store.commit(checkpoint: [testPartition: 2])
                // Processed after the last commit, its transaction never committed: a crash here
                // must bring back exactly the state at offset 2.
                store.put("a", "2")
                store.delete("b")
                store.put("c", "1")
                store.close()
            }
            let task = try state.lockTask("1_3")
            defer { task.unlock() }
            let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            #expect(store.checkpoint == [testPartition: 2])
            #expect(try store.range(nil, nil) == ["a=1", "b=1"])
        }
    }

    @Test func anAbortedTransactionRollsBackToTheCheckpoint() throws {
        try withStore(task: "1_3") { store in
            store.put("a", "1")
            try store.commit(checkpoint: [testPartition: 10])
            store.put("a", "2")
            store.put("b", "2")
            store.discardUncommitted()
            #expect(try store.range(nil, nil) == ["a=1"])
            #expect(store.checkpoint == [testPartition: 10])
            #expect(store.dirtyEntryCount == 0)
        }
    }

    @Test func checkpointsOfSeveralPartitionsSurviveAReopen() throws {
        let other = ChangelogPartition(topic: "app-other-changelog", partition: 0)
        try withStateDirectory { state in
            do {
                let task = try state.lockTask("0_0")
                defer { task.unlock() }
                let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
                store.put("x", "1")
                try store.commit(checkpoint: [testPartition: 7, other: 1])
                store.put("x", "2")
                try store.commit(checkpoint: [testPartition: 9])
                store.close()
            }
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try task.openKeyValueStore(kvSpec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            #expect(store.checkpoint == [testPartition: 9, other: 1])
            #expect(try store.get("x") == "2")
        }
    }

    @Test func anInMemoryStoreHasNoCheckpointWhenReopened() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let first = try task.openKeyValueStore(
                kvSpec(persistent: false), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            first.put("a", "1")
            try first.commit(checkpoint: [testPartition: 1])
            #expect(first.checkpoint == [testPartition: 1])
            first.close()
            let second = try task.openKeyValueStore(
                kvSpec(persistent: false), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { second.close() }
            #expect(second.checkpoint == [:])
            #expect(try second.range(nil, nil) == [])
        }
    }

    @Test func aNegativeCheckpointOffsetIsRefusedAndNothingIsWritten() throws {
        try withStore { store in
            store.put("a", "1")
            let error = stateError { try store.commit(checkpoint: [testPartition: -1]) }
            #expect(
                error
                    == .invalidArgument(
                        store: "counts", reason: "checkpoint offset -1 for app-counts-changelog-3 is negative"))
            #expect(store.dirtyEntries() == ["a=1"])
            #expect(store.checkpoint == [:])
        }
    }
}
