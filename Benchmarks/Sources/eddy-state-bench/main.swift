import EddyState
import Foundation

// eddy-state-bench: restore rate, put/get costs through the record cache, and the memory
// of EddyState, printed as one line per figure.
//
//     swift build -c release --package-path Benchmarks --product eddy-state-bench
//     Benchmarks/.build/release/eddy-state-bench [all|restore|operations|count|memory|windows|sessions] [records] [rocksdb.memory.mb]
//
// records defaults to 1,000,000; rocksdb.memory.mb (for the single-store runs) to 128.

let arguments = Array(CommandLine.arguments.dropFirst())
let mode = arguments.first ?? "all"
let records = arguments.dropFirst().first.flatMap { UInt64($0) } ?? 1_000_000
let partition = ChangelogPartition(topic: "bench-store-changelog", partition: 0)
let memoryMB = arguments.dropFirst(2).first.flatMap { Int($0) } ?? RocksDBEnvironment.defaultMemoryMB

func openStore(
    _ root: String, persistent: Bool, memoryMB: Int, task: String = "0_0",
    budget: RecordCacheBudget
) throws -> (TaskStateDirectory, KeyValueStateStore) {
    let state = try StateDirectory(
        root: root, applicationId: "bench", environment: RocksDBEnvironment(memoryMB: memoryMB))
    let directory = try state.lockTask(task)
    let spec = StoreSpec(name: "store", keySerde: "bytes", valueSerde: "bytes", persistent: persistent)
    return (directory, try directory.openKeyValueStore(spec, cacheBudget: budget))
}

/// Restores `records` records in batches of `batchSize`, as the runtime does from the
/// changelog, until they are durable (`completeRestore` included).
func benchRestore(persistent: Bool, batchSize: UInt64) throws {
    try withScratchDirectory { root in
        let (task, store) = try openStore(
            root, persistent: persistent, memoryMB: memoryMB, budget: RecordCacheBudget(maxBytes: 1 << 20))
        defer {
            store.close()
            task.unlock()
        }
        var workload = Workload()
        let (elapsed, cpu) = try timed {
            var next: UInt64 = 0
            while next < records {
                let end = min(records, next + batchSize)
                try store.restore(partition, nextOffset: Int64(end)) { batch in
                    for i in next..<end {
                        workload.fill(i)
                        workload.key.withUnsafeBytes { k in workload.value.withUnsafeBytes { batch.apply(k, $0) } }
                    }
                }
                next = end
            }
            try store.completeRestore()
        }
        let kind = persistent ? "rocksdb" : "in-memory"
        print(
            "restore \(kind) batch=\(batchSize): \(records) records in \(format(elapsed, 2)) s = "
                + "\(format(Double(records) / elapsed)) records/s (\(format(cpu, 2)) CPU s = "
                + "\(format(Double(records) / cpu)) records per CPU second)")
    }
}

/// The phases of `operations`, each its own function so that a callgrind profile gives each
/// one's instruction count (inclusive cost of `OperationsPhase.<name>`).
enum OperationsPhase {
    static let keys: UInt64 = 200_000

    @inline(never) static func putNewKeys(_ store: KeyValueStateStore, _ workload: inout Workload) {
        for i in 0..<keys {
            workload.fill(i)
            workload.key.withUnsafeBytes { k in workload.value.withUnsafeBytes { store.put(k, $0) } }
        }
    }

    /// Gets of keys `range`, summing the value sizes; with `checked`, each value must also
    /// start with its record number (what `putNewKeys` stored), which keeps the three get
    /// phases distinct functions in a profile.
    @inline(__always) static func get(
        _ store: KeyValueStateStore, _ workload: inout Workload, _ range: Range<UInt64>, checked: Bool
    ) throws -> Int {
        var found = 0
        for i in range {
            workload.fill(i)
            found += try workload.key.withUnsafeBytes { k in
                try store.get(k) { value in
                    guard let value else { return 0 }
                    precondition(!checked || UInt64(bigEndian: value.loadUnaligned(as: UInt64.self)) == i)
                    return value.count
                }
            }
        }
        return found
    }

    @inline(never) static func getCached(_ store: KeyValueStateStore, _ workload: inout Workload) throws -> Int {
        try get(store, &workload, 0..<keys, checked: false)
    }

    @inline(never) static func getStored(_ store: KeyValueStateStore, _ workload: inout Workload) throws -> Int {
        try get(store, &workload, 0..<keys, checked: true)
    }

    @inline(never) static func getAbsent(_ store: KeyValueStateStore, _ workload: inout Workload) throws -> Int {
        try get(store, &workload, keys..<(2 * keys), checked: false)
    }

    @inline(never) static func putSameKey(_ store: KeyValueStateStore, _ workload: inout Workload) {
        workload.fill(7)
        for _ in 0..<keys {
            workload.key.withUnsafeBytes { k in workload.value.withUnsafeBytes { store.put(k, $0) } }
        }
    }

    /// What `count` does per record: read the key's value, then write it back changed.
    @inline(never) static func getThenPut(_ store: KeyValueStateStore, _ workload: inout Workload) throws {
        for i in 0..<keys {
            workload.fill(i)
            try workload.key.withUnsafeBytes { k in
                let first = try store.get(k) { $0.map { $0[8] } ?? 0 }
                workload.value[8] = first &+ 1
                workload.value.withUnsafeBytes { store.put(k, $0) }
            }
        }
    }

    @inline(never) static func commit(_ store: KeyValueStateStore, offset: Int64) throws {
        try store.commit(checkpoint: [partition: offset])
    }

    @inline(never) static func scan(_ store: KeyValueStateStore) throws -> Int {
        var scanned = 0
        try store.range(from: nil, to: nil) { _, v in
            scanned += v.count
            return true
        }
        return scanned
    }

    /// W3's store traffic: a running count of 10,000 users (keys `user-00000001234`) as 8-byte values, get then put per
    /// record, committed (with its checkpoint) every 20,000 records as a 100 ms commit
    /// interval does at 200k records/s.
    @inline(never) static func countPerUser(_ store: KeyValueStateStore, records: UInt64) throws {
        let users: UInt64 = 10_000
        var key = Array("user-00000000000".utf8)
        var counted: Int64 = 0
        for i in 0..<records {
            // The benchmark input's keys: `user-` and the user number in 11 decimal digits.
            var user = ((i &* 0x9E37_79B9_7F4A_7C15) >> 32) % users
            for d in stride(from: Workload.keySize - 1, through: 5, by: -1) {
                key[d] = UInt8(ascii: "0") + UInt8(user % 10)
                user /= 10
            }
            try key.withUnsafeBytes { k in
                let count = try store.get(k) { $0.map { $0.loadUnaligned(as: Int64.self) } ?? 0 } + 1
                withUnsafeBytes(of: count) { store.put(k, $0) }
            }
            if (i + 1) % 20_000 == 0 {
                counted += 1
                try store.commit(checkpoint: [partition: Int64(i + 1)])
            }
        }
        try store.commit(checkpoint: [partition: Int64(records)])
        var total: Int64 = 0
        try store.range(from: nil, to: nil) { _, v in
            total += v.loadUnaligned(as: Int64.self)
            return true
        }
        precondition(total == Int64(records) && counted > 0)
    }
}

/// Costs per operation through the record cache and RocksDB.
func benchOperations() throws {
    let n = OperationsPhase.keys
    func perOp(_ s: Double, _ count: UInt64 = n) -> String { format(s * 1e9 / Double(count)) + " ns/op" }
    try withScratchDirectory { root in
        let budget = RecordCacheBudget(maxBytes: 512 << 20)
        var (task, store) = try openStore(root, persistent: true, memoryMB: memoryMB, budget: budget)
        var workload = Workload()
        let put = seconds { OperationsPhase.putNewKeys(store, &workload) }
        var found = 0
        let cachedGet = try seconds { found += try OperationsPhase.getCached(store, &workload) }
        let update = seconds { OperationsPhase.putSameKey(store, &workload) }
        let getThenPut = try seconds { try OperationsPhase.getThenPut(store, &workload) }
        let commit = try seconds { try OperationsPhase.commit(store, offset: Int64(n)) }
        // Reopened, the store's cache is empty: the gets below read RocksDB.
        store.close()
        task.unlock()
        (task, store) = try openStore(root, persistent: true, memoryMB: memoryMB, budget: budget)
        defer {
            store.close()
            task.unlock()
        }
        let storedGet = try seconds { found += try OperationsPhase.getStored(store, &workload) }
        let missingGet = try seconds { found += try OperationsPhase.getAbsent(store, &workload) }
        var scanned = 0
        let scan = try seconds { scanned = try OperationsPhase.scan(store) }
        precondition(found == Int(2 * n) * Workload.valueSize && scanned == Int(n) * Workload.valueSize)
        print("put into the cache (new key): \(perOp(put))")
        print("put into the cache (same key again): \(perOp(update))")
        print("get from the cache: \(perOp(cachedGet))")
        print("get then put of one key in the cache: \(perOp(getThenPut)) per pair")
        print("commit \(n) entries + checkpoint in one write batch: \(perOp(commit)) (\(format(commit * 1000, 1)) ms)")
        print("get from RocksDB (present): \(perOp(storedGet))")
        print("get from RocksDB (absent, bloom filter): \(perOp(missingGet))")
        print("range scan of RocksDB: \(perOp(scan))")
    }
}

/// W3's store traffic: `count` per user through the cache, with its commits.
func benchCountPerUser() throws {
    try withScratchDirectory { root in
        let (task, store) = try openStore(
            root, persistent: true, memoryMB: memoryMB, budget: RecordCacheBudget(maxBytes: 10 << 20))
        defer {
            store.close()
            task.unlock()
        }
        let records: UInt64 = 1_000_000
        let (wall, cpu) = try timed { try OperationsPhase.countPerUser(store, records: records) }
        func perRecord(_ s: Double) -> String { format(s * 1e9 / Double(records)) + " ns" }
        print(
            "count per user (10k users, get + put, commit every 20k records): \(perRecord(wall)) per record "
                + "(\(perRecord(cpu)) CPU)")
    }
}

/// What one more RocksDB instance costs: open time and resident memory per empty store, the
/// price of one instance per task and store rather than column families in one instance.
func benchOpenCost() throws {
    try withScratchDirectory { root in
        let state = try StateDirectory(
            root: root, applicationId: "bench", environment: RocksDBEnvironment(memoryMB: 64))
        let budget = RecordCacheBudget(maxBytes: 1 << 20)
        let count = 48
        func openAll() throws -> ([TaskStateDirectory], [KeyValueStateStore]) {
            var tasks: [TaskStateDirectory] = []
            var stores: [KeyValueStateStore] = []
            for t in 0..<count {
                let task = try state.lockTask("0_\(t)")
                tasks.append(task)
                stores.append(
                    try task.openKeyValueStore(
                        StoreSpec(name: "store", keySerde: "bytes", valueSerde: "bytes"), cacheBudget: budget))
            }
            return (tasks, stores)
        }
        func closeAll(_ opened: ([TaskStateDirectory], [KeyValueStateStore])) {
            for store in opened.1 { store.close() }
            for task in opened.0 { task.unlock() }
        }
        let before = residentMemoryMB().current
        var opened: ([TaskStateDirectory], [KeyValueStateStore]) = ([], [])
        let create = try seconds { opened = try openAll() }
        let after = residentMemoryMB().current
        closeAll(opened)
        let reopen = try seconds { opened = try openAll() }
        closeAll(opened)
        print(
            "open: \(count) stores created in \(format(create * 1000, 0)) ms (\(format(create * 1000 / Double(count), 1)) ms "
                + "each), reopened in \(format(reopen * 1000, 0)) ms (\(format(reopen * 1000 / Double(count), 1)) ms each); "
                + "RSS +\(format((after - before) * 1024 / Double(count), 0)) KiB per open empty store")
    }
}

/// A million keys across twelve stores under one 64 MiB budget: RocksDB's accounting and RSS.
func benchMemory() throws {
    let before = residentMemoryMB()
    try withScratchDirectory { root in
        let environment = RocksDBEnvironment(memoryMB: 64)
        let state = try StateDirectory(root: root, applicationId: "bench", environment: environment)
        let budget = RecordCacheBudget(maxBytes: 16 << 20)
        var tasks: [TaskStateDirectory] = []
        var stores: [KeyValueStateStore] = []
        for t in 0..<12 {
            let task = try state.lockTask("0_\(t)")
            tasks.append(task)
            stores.append(
                try task.openKeyValueStore(
                    StoreSpec(name: "store", keySerde: "bytes", valueSerde: "bytes"), cacheBudget: budget))
        }
        var workload = Workload()
        var offset: Int64 = 0
        func commitAll() throws {
            offset += 1
            for store in stores { try store.commit(checkpoint: [partition: offset]) }
        }
        for i in 0..<records {
            workload.fill(i)
            let store = stores[Int(i % 12)]
            workload.key.withUnsafeBytes { k in workload.value.withUnsafeBytes { store.put(k, $0) } }
            if budget.isFull { try commitAll() }
        }
        try commitAll()
        var found = 0
        for i in stride(from: UInt64(0), to: records, by: 7) {
            workload.fill(i)
            found += try workload.key.withUnsafeBytes { k in try stores[Int(i % 12)].get(k) { $0?.count ?? 0 } }
        }
        precondition(found > 0)
        let usage = environment.usage
        let after = residentMemoryMB()
        print(
            "memory: \(records) keys in 12 stores, rocksdb.memory.mb=64: RocksDB holds "
                + "\(format(Double(usage.total) / 1048576, 1)) MiB (block cache \(format(Double(usage.blockCache) / 1048576, 1)), "
                + "memtables \(format(Double(usage.memtables) / 1048576, 1)), table readers "
                + "\(format(Double(usage.tableReadersOutsideCache) / 1048576, 1))); RSS \(format(before.current, 1)) MiB before, "
                + "\(format(after.current, 1)) MiB after, peak \(format(after.peak, 1)) MiB "
                + "(includes the 16 MiB record cache)")
        for store in stores { store.close() }
        for task in tasks { task.unlock() }
        // A restart: how long the twelve stores with their million keys take to open again.
        var reopened: [KeyValueStateStore] = []
        let reopen = try seconds {
            for t in 0..<12 {
                let task = try state.lockTask("0_\(t)")
                tasks[t] = task
                reopened.append(
                    try task.openKeyValueStore(
                        StoreSpec(name: "store", keySerde: "bytes", valueSerde: "bytes"), cacheBudget: budget))
            }
        }
        print("reopen: 12 stores holding \(records) keys in \(format(reopen * 1000, 0)) ms")
        for store in reopened { store.close() }
        for task in tasks { task.unlock() }
    }
}

guard ["all", "restore", "operations", "count", "memory", "windows", "sessions"].contains(mode) else {
    print(
        "usage: eddy-state-bench [all|restore|operations|count|memory|windows|sessions] [records] [rocksdb.memory.mb]")
    exit(2)
}
if mode == "all" || mode == "memory" {
    try benchMemory()
    try benchOpenCost()
}
if mode == "all" || mode == "restore" {
    try benchRestore(persistent: true, batchSize: 1_000)
    try benchRestore(persistent: true, batchSize: 10_000)
    try benchRestore(persistent: true, batchSize: 100_000)
    try benchRestore(persistent: false, batchSize: 10_000)
}
if mode == "all" || mode == "operations" { try benchOperations() }
if mode == "all" || mode == "count" { try benchCountPerUser() }
if mode == "all" || mode == "windows" { try benchWindows() }
if mode == "all" || mode == "sessions" { try benchSessions() }
