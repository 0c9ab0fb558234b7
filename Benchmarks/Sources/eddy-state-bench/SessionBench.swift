import EddyState

/// Costs per operation of a session store (what `session-count` does per record): puts of
/// new sessions, `findSessions` through the record cache and from RocksDB, one commit of them
/// all, extending a session (find, remove, put — a new key in the cache before each next
/// find), and a restore of the sessions from their changelog records.
func benchSessions() throws {
    try withScratchDirectory { root in
        let state = try StateDirectory(
            root: root, applicationId: "bench", environment: RocksDBEnvironment(memoryMB: memoryMB))
        let budget = RecordCacheBudget(maxBytes: 512 << 20)
        let retention: Int64 = 600_000, gap: Int64 = 5_000, spacing: Int64 = 10_000, length: Int64 = 3_000
        let keys: UInt64 = 10_000, sessionsPerKey: Int64 = 20
        let n = Double(keys) * Double(sessionsPerKey)
        let spec = StoreSpec(
            name: "sessions",
            kind: .session(
                retentionMs: retention,
                segmentIntervalMs: SessionStateStore.defaultSegmentInterval(retentionMs: retention)),
            keySerde: "bytes", valueSerde: "i64")
        let task = try state.lockTask("0_0")
        defer { task.unlock() }
        let store = try task.openSessionStore(spec, cacheBudget: budget)
        defer { store.close() }
        var workload = Workload()
        var count = [UInt8](repeating: 0, count: 8)

        let put = try seconds {
            for s in 0..<sessionsPerKey {
                for i in 0..<keys {
                    workload.fill(i)
                    count[7] = UInt8(truncatingIfNeeded: s)
                    try workload.key.withUnsafeBytes { k in
                        try count.withUnsafeBytes {
                            _ = try store.put(k, start: s * spacing, end: s * spacing + length, value: $0)
                        }
                    }
                }
            }
        }
        /// One find per session: the one a record just after it would merge with.
        func findEach() throws -> Int {
            var found = 0
            for s in 0..<sessionsPerKey {
                let time = s * spacing + length + 1
                for i in 0..<keys {
                    workload.fill(i)
                    found += try workload.key.withUnsafeBytes { k in
                        try store.findSessions(k, earliestEnd: time - gap, latestStart: time + gap).count
                    }
                }
            }
            return found
        }
        var found = 0
        let cachedFind = try seconds { found = try findEach() }
        var changelog: [([UInt8], [UInt8]?)] = []
        changelog.reserveCapacity(Int(n))
        store.forEachDirtyEntry { key, value in changelog.append((Array(key), value.map { Array($0) })) }
        let commit = try seconds { try store.commit(checkpoint: [partition: Int64(n)]) }
        var foundStored = 0
        let storedFind = try seconds { foundStored = try findEach() }
        precondition(found == Int(n) && foundStored == Int(n))

        // Each key's last session grows by a record 1 s after its end: find it, remove it,
        // put the longer one — two rounds over every key.
        let extensions = 2 * keys
        let extend = try seconds {
            for round in 0..<Int64(2) {
                let lastStart = (sessionsPerKey - 1) * spacing
                let end = lastStart + length + round * 1_000, time = end + 1_000
                for i in 0..<keys {
                    workload.fill(i)
                    try workload.key.withUnsafeBytes { k in
                        let sessions = try store.findSessions(k, earliestEnd: time - gap, latestStart: time + gap)
                        precondition(sessions.count == 1 && sessions[0].end == end)
                        try store.remove(k, start: lastStart, end: end)
                        try count.withUnsafeBytes { _ = try store.put(k, start: lastStart, end: time, value: $0) }
                    }
                }
            }
        }

        let restoreTask = try state.lockTask("0_1")
        defer { restoreTask.unlock() }
        let restored = try restoreTask.openSessionStore(spec, cacheBudget: budget)
        defer { restored.close() }
        let restore = try seconds {
            for start in stride(from: 0, to: changelog.count, by: 10_000) {
                let end = min(changelog.count, start + 10_000)
                try restored.restore(partition, nextOffset: Int64(end)) { batch in
                    for (key, value) in changelog[start..<end] {
                        try key.withUnsafeBytes { k in try withOptional(value) { try batch.apply(k, $0) } }
                    }
                }
            }
            try restored.completeRestore()
        }

        func perOp(_ s: Double, _ count: Double = n) -> String { format(s * 1e9 / count) + " ns/op" }
        print("session put into the cache (new session): \(perOp(put))")
        print("findSessions through the cache (\(Int(n)) sessions cached): \(perOp(cachedFind))")
        print(
            "commit \(Int(n)) sessions + checkpoint in one write batch: \(perOp(commit)) (\(format(commit * 1000, 1)) ms)"
        )
        print("findSessions from RocksDB: \(perOp(storedFind))")
        print(
            "extend a session (find + remove + put, a new key in the cache each time): \(perOp(extend, Double(extensions)))"
        )
        print(
            "restore \(Int(n)) session changelog records (batches of 10k, until durable): \(format(n / restore)) records/s"
        )
    }
}
