import Testing

@testable import EddyState

@Suite struct MemoryBudgetTests {
    /// A 16-byte key for record `i`: 8 well-mixed bytes (so writes land all over the key
    /// space, as a real changelog's would) and `i` itself, big-endian.
    static func key(_ i: UInt64) -> [UInt8] {
        var key = [UInt8](repeating: 0, count: 16)
        fillKey(i, &key)
        return key
    }

    static func fillKey(_ i: UInt64, _ key: inout [UInt8]) {
        var z = i &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        key.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: z.bigEndian, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: i.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
    }

    /// A 100-byte value for record `i`: its first 8 bytes are `i`, the rest a fixed pattern.
    static func value(_ i: UInt64) -> [UInt8] {
        var value = [UInt8](repeating: 0x5A, count: 100)
        value.withUnsafeMutableBytes { $0.storeBytes(of: i.bigEndian, toByteOffset: 0, as: UInt64.self) }
        return value
    }

    @Test func aMillionKeysAcrossTwelveStoresStayWithinTheRocksDBBudget() throws {
        let budgetMB = 64
        let storeCount = 12
        let keyCount: UInt64 = 1_000_000
        try withStateDirectory(memoryMB: budgetMB) { state in
            let environment = state.environment
            let cacheBudget = RecordCacheBudget(maxBytes: 16 << 20)
            var tasks: [TaskStateDirectory] = []
            var stores: [KeyValueStateStore] = []
            for t in 0..<storeCount {
                let task = try state.lockTask("0_\(t)")
                tasks.append(task)
                stores.append(
                    try task.openKeyValueStore(kvSpec(keySerde: "bytes", valueSerde: "bytes"), cacheBudget: cacheBudget)
                )
            }
            defer {
                for store in stores { store.close() }
                for task in tasks { task.unlock() }
            }
            #expect(environment.openStoreCount == storeCount)
            #expect(!environment.isOverCommitted)
            // 12 stores share 32 MiB of memtables: 2 × 65,536 for checkpoints and at most
            // 2 × (1,398,101 − 65,536) for data each, rounded down to 2 × 1 MiB.
            #expect(environment.writeBufferSizePerStore == 1 << 20)

            var peak = RocksDBMemoryUsage(blockCache: 0, memtables: 0, tableReadersOutsideCache: 0)
            var offsets = [Int64](repeating: 0, count: storeCount)
            func commitAll() throws {
                for (s, store) in stores.enumerated() {
                    offsets[s] += Int64(store.dirtyEntryCount)
                    try store.commit(checkpoint: [
                        ChangelogPartition(topic: "app-counts-changelog", partition: Int32(s)): offsets[s]
                    ])
                }
                let usage = environment.usage
                if usage.total > peak.total { peak = usage }
            }
            var key = Self.key(0)
            var value = Self.value(0)
            for i in 0..<keyCount {
                let store = stores[Int(i % UInt64(storeCount))]
                Self.fillKey(i, &key)
                value.withUnsafeMutableBytes { $0.storeBytes(of: i.bigEndian, toByteOffset: 0, as: UInt64.self) }
                key.withUnsafeBytes { k in value.withUnsafeBytes { store.put(k, $0) } }
                if cacheBudget.isFull { try commitAll() }
            }
            try commitAll()
            for i in stride(from: UInt64(0), to: keyCount, by: 97) {
                let store = stores[Int(i % UInt64(storeCount))]
                let found = try Self.key(i).withUnsafeBytes { k in try store.get(k) { $0.map { Array($0) } } }
                #expect(found == Self.value(i))
            }
            let afterReads = environment.usage
            if afterReads.total > peak.total { peak = afterReads }
            print(
                "RocksDB memory after 1M keys in 12 stores (budget \(budgetMB) MiB): peak \(peak), after reads \(afterReads)"
            )
            #expect(peak.memtables <= environment.memtableBudgetBytes)
            #expect(afterReads.blockCache <= environment.blockCacheBytes)
            #expect(peak.total <= environment.memoryBudgetBytes)
            #expect(offsets.reduce(0, +) == Int64(keyCount))
        }
    }
}
