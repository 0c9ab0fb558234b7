import EddyState

/// Costs per operation of a window store (what `windowed-count` does per record): puts of
/// new windows and gets through the record cache, one commit of them all, fetches of a
/// key's windows from RocksDB, a restore of the same windows from changelog records, and
/// the commit that drops them all once stream time has passed their retention.
func benchWindows() throws {
    try withScratchDirectory { root in
        let state = try StateDirectory(
            root: root, applicationId: "bench", environment: RocksDBEnvironment(memoryMB: memoryMB))
        let budget = RecordCacheBudget(maxBytes: 512 << 20)
        let retention: Int64 = 600_000, size: Int64 = 10_000
        let keys: UInt64 = 10_000, windowsPerKey: Int64 = 20
        let n = Double(keys) * Double(windowsPerKey)
        let spec = StoreSpec(
            name: "windows",
            kind: .window(
                retentionMs: retention,
                segmentIntervalMs: WindowStateStore.defaultSegmentInterval(retentionMs: retention)),
            keySerde: "bytes", valueSerde: "i64", windowSizeMs: size)
        let task = try state.lockTask("0_0")
        defer { task.unlock() }
        let store = try task.openWindowStore(spec, cacheBudget: budget)
        defer { store.close() }
        var workload = Workload()
        var count = [UInt8](repeating: 0, count: 8)

        let put = try seconds {
            for w in 0..<windowsPerKey {
                for i in 0..<keys {
                    workload.fill(i)
                    count[7] = UInt8(truncatingIfNeeded: w)
                    try workload.key.withUnsafeBytes { k in
                        try count.withUnsafeBytes { _ = try store.put(k, windowStart: w * size, value: $0) }
                    }
                }
            }
        }
        var found = 0
        let cachedGet = try seconds {
            for w in 0..<windowsPerKey {
                for i in 0..<keys {
                    workload.fill(i)
                    found += try workload.key.withUnsafeBytes { k in
                        try store.get(k, windowStart: w * size) { $0?.count ?? 0 }
                    }
                }
            }
        }
        var changelog: [([UInt8], [UInt8]?)] = []
        changelog.reserveCapacity(Int(n))
        store.forEachDirtyEntry { key, value in changelog.append((Array(key), value.map { Array($0) })) }
        let commit = try seconds { try store.commit(checkpoint: [partition: Int64(n)]) }
        var fetched = 0
        let fetch = try seconds {
            for i in 0..<keys {
                workload.fill(i)
                try workload.key.withUnsafeBytes { k in
                    try store.fetch(k, from: 0, to: windowsPerKey * size) { _, value in
                        fetched += value.count
                        return true
                    }
                }
            }
        }
        precondition(found == Int(n) * 8 && fetched == Int(n) * 8)

        let restoreTask = try state.lockTask("0_1")
        defer { restoreTask.unlock() }
        let restored = try restoreTask.openWindowStore(spec, cacheBudget: budget)
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

        store.advanceStreamTime(
            to: windowsPerKey * size + retention + WindowStateStore.defaultSegmentInterval(retentionMs: retention))
        let purge = try seconds { try store.commit(checkpoint: [partition: Int64(n) + 1]) }
        var left = 0
        try store.fetchAll(from: 0, to: .max) { _, _, _ in
            left += 1
            return true
        }
        precondition(left == 0)

        func perOp(_ s: Double, _ count: Double = n) -> String { format(s * 1e9 / count) + " ns/op" }
        print("window put into the cache (new window): \(perOp(put))")
        print("window get from the cache: \(perOp(cachedGet))")
        print(
            "commit \(Int(n)) windows + checkpoint in one write batch: \(perOp(commit)) (\(format(commit * 1000, 1)) ms)"
        )
        print(
            "fetch of one key's \(windowsPerKey) windows from RocksDB: \(perOp(fetch, Double(keys))) per fetch, \(perOp(fetch)) per window"
        )
        print(
            "restore \(Int(n)) window changelog records (batches of 10k, until durable): \(format(n / restore)) records/s"
        )
        print("commit that drops every expired segment (\(Int(n)) windows): \(format(purge * 1000, 1)) ms")
    }
}

/// Calls `body` with the bytes of a changelog value, or nil for a tombstone.
func withOptional<R>(_ bytes: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let bytes else { return try body(nil) }
    return try bytes.withUnsafeBytes { try body($0) }
}
