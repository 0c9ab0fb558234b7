import Testing

@testable import EddyState

extension WindowStateStore {
    @discardableResult
    func put(_ key: String, _ start: Int64, _ value: String?) throws -> Bool {
        try bytes(key).withUnsafeBytes { k in
            try withOptionalBytes(value.map(bytes)) { try put(k, windowStart: start, value: $0) }
        }
    }

    func fetch(_ key: String, _ from: Int64, _ to: Int64) throws -> [String] {
        var out: [String] = []
        try bytes(key).withUnsafeBytes { k in
            try fetch(k, from: from, to: to) { start, v in
                out.append("\(start)=\(text(v))")
                return true
            }
        }
        return out
    }

    func fetchAll(_ from: Int64, _ to: Int64) throws -> [String] {
        var out: [String] = []
        try fetchAll(from: from, to: to) { k, start, v in
            out.append("\(text(k))@\(start)=\(text(v))")
            return true
        }
        return out
    }

    /// The committed entries as raw stored keys: segment, key, start.
    func storedEntries() throws -> [String] {
        var out: [String] = []
        try store.range(from: nil, to: nil) { k, v in
            let segment = WindowKeyCodec.readInt64(k, at: 0)
            let start = WindowKeyCodec.readInt64(k, at: k.count - 8)
            out.append("\(segment)|\(text(UnsafeRawBufferPointer(rebasing: k[8..<(k.count - 8)])))@\(start)=\(text(v))")
            return true
        }
        return out
    }
}

@Suite struct WindowStoreTests {
    static func spec(persistent: Bool = true) -> StoreSpec {
        StoreSpec(
            name: "windows", kind: .window(retentionMs: 500, segmentIntervalMs: 100), keySerde: "string",
            valueSerde: "long", persistent: persistent)
    }

    @Test(arguments: [true, false])
    func fetchOneKeyAndAllKeysOverATimeRange(persistent: Bool) throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try task.openWindowStore(
                Self.spec(persistent: persistent), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            try store.put("a", 0, "a0")
            try store.put("a", 150, "a150")
            try store.put("ab", 100, "ab100")
            try store.put("b", 120, "b120")
            try store.commit(checkpoint: [testPartition: 4])
            try store.put("a", 220, "a220")
            try store.put("a", 150, "a150'")
            // "a" followed by the bytes of a start time would share bytes with key "a\u{0}...": a
            // key that is a byte-prefix of another must not see the other's windows.
            try store.put("a\u{0}", 150, "nul150")

            #expect(try store.fetch("a", 0, 1000) == ["0=a0", "150=a150'", "220=a220"])
            #expect(try store.fetch("a", 100, 200) == ["150=a150'"])
            #expect(try store.fetch("ab", 0, 1000) == ["100=ab100"])
            #expect(try store.fetch("zz", 0, 1000) == [])
            #expect(try store.fetchAll(100, 199) == ["a\u{0}@150=nul150", "a@150=a150'", "ab@100=ab100", "b@120=b120"])
            #expect(
                try store.fetchAll(0, 1000) == [
                    "a@0=a0", "a\u{0}@150=nul150", "a@150=a150'", "ab@100=ab100", "b@120=b120", "a@220=a220",
                ])
            let key = bytes("a")
            let at150 = try key.withUnsafeBytes { k in try store.get(k, windowStart: 150) { $0.map(text) } }
            let at151 = try key.withUnsafeBytes { k in try store.get(k, windowStart: 151) { $0.map(text) } }
            #expect(at150 == "a150'")
            #expect(at151 == nil)
        }
    }

    @Test func retentionDropsExpiredWindowsAndDeletesExpiredSegmentsAtCommit() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try task.openWindowStore(Self.spec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            for start in stride(from: Int64(0), through: 600, by: 100) { try store.put("k", start, "v\(start)") }
            try store.put("k", 650, "v650")
            try store.commit(checkpoint: [testPartition: 8])
            // Stream time 650, retention 500: windows from 151 on are live; segment 0 (0-99) was
            // deleted at commit, segment 1 (100-199) still holds the expired window 100.
            #expect(store.earliestLiveWindowStart == 151)
            #expect(
                try store.fetch("k", 0, 10_000) == [
                    "200=v200", "300=v300", "400=v400", "500=v500", "600=v600", "650=v650",
                ])
            #expect(
                try store.storedEntries() == [
                    "1|k@100=v100", "2|k@200=v200", "3|k@300=v300", "4|k@400=v400", "5|k@500=v500", "6|k@600=v600",
                    "6|k@650=v650",
                ])
            #expect(try store.put("k", 150, "late") == false)
            #expect(try store.put("k", 151, "ok") == true)
            store.advanceStreamTime(to: 1000)
            #expect(try store.fetchAll(0, 10_000) == ["k@600=v600", "k@650=v650"])
            try store.commit(checkpoint: [testPartition: 10])
            #expect(try store.storedEntries() == ["5|k@500=v500", "6|k@600=v600", "6|k@650=v650"])
        }
    }

    @Test func dirtyEntriesAreChangelogKeysThatRestoreAnotherStoreExactly() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let source = try task.openWindowStore(
                Self.spec(persistent: false), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { source.close() }
            try source.put("a", 100, "1")
            try source.put("b", 250, "2")
            try source.put("a", 300, "3")
            try source.put("a", 100, nil)
            var changelog: [([UInt8], [UInt8]?)] = []
            source.forEachDirtyEntry { k, v in changelog.append((Array(k), v.map { Array($0) })) }
            #expect(
                changelog.map { $0.0 } == [
                    bytes("a") + [0, 0, 0, 0, 0, 0, 0, 100], bytes("b") + [0, 0, 0, 0, 0, 0, 0, 250],
                    bytes("a") + [0, 0, 0, 0, 0, 0, 0x01, 0x2C],
                ])
            #expect(changelog.map { $0.1.map { String(decoding: $0, as: UTF8.self) } } == [nil, "2", "3"])

            let restored = try task.openWindowStore(Self.spec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            try restored.restore(testPartition, nextOffset: 3) { batch in
                for (key, value) in changelog {
                    try key.withUnsafeBytes { k in try withOptionalBytes(value) { try batch.apply(k, $0) } }
                }
            }
            #expect(restored.observedStreamTime == 300)
            #expect(try restored.fetchAll(0, 1000) == ["b@250=2", "a@300=3"])
            #expect(restored.checkpoint == [testPartition: 3])
            restored.close()

            let reopened = try task.openWindowStore(Self.spec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { reopened.close() }
            #expect(reopened.observedStreamTime == 300)
            #expect(try reopened.fetchAll(0, 1000) == ["b@250=2", "a@300=3"])
        }
    }

    @Test func negativeWindowStartsAndShortChangelogKeysAreRefused() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try task.openWindowStore(Self.spec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            defer { store.close() }
            #expect(
                stateError { try store.put("a", -1, "x") }
                    == .invalidArgument(
                        store: "windows", reason: "window start -1 is negative; window starts are epoch milliseconds"))
            let error = stateError {
                try store.restore(testPartition, nextOffset: 1) { batch in
                    try [UInt8]([1, 2, 3]).withUnsafeBytes { try batch.apply($0, nil) }
                }
            }
            #expect(
                error
                    == .invalidArgument(
                        store: "windows", reason: "a changelog key of 3 bytes does not end with an 8-byte window start")
            )
            #expect(store.checkpoint == [:])
        }
    }
}
