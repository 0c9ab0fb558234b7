import Testing

@testable import EddyState

extension SessionStateStore {
    @discardableResult
    func put(_ key: String, _ start: Int64, _ end: Int64, _ value: String?) throws -> Bool {
        try bytes(key).withUnsafeBytes { k in
            try withOptionalBytes(value.map(bytes)) { try put(k, start: start, end: end, value: $0) }
        }
    }

    func remove(_ key: String, _ start: Int64, _ end: Int64) throws {
        try bytes(key).withUnsafeBytes { try remove($0, start: start, end: end) }
    }

    /// `start-end=value` of `key`'s sessions found.
    func find(_ key: String, _ earliestEnd: Int64 = 0, _ latestStart: Int64 = .max) throws -> [String] {
        try bytes(key).withUnsafeBytes { k in
            try findSessions(k, earliestEnd: earliestEnd, latestStart: latestStart)
                .map { "\($0.start)-\($0.end)=\(String(decoding: $0.value, as: UTF8.self))" }
        }
    }

    /// The committed entries as stored keys: `segment|key@start-end=value`.
    func storedEntries() throws -> [String] {
        var out: [String] = []
        try store.range(from: nil, to: nil) { k, v in
            let (key, start, end) = SessionKeyCodec.decode(k)!
            out.append("\(WindowKeyCodec.readInt64(k, at: 0))|\(text(key))@\(start)-\(end)=\(text(v))")
            return true
        }
        return out
    }
}

@Suite struct SessionStoreTests {
    static func spec(persistent: Bool = true, segmentIntervalMs: Int64 = 100) -> StoreSpec {
        StoreSpec(
            name: "sessions", kind: .session(retentionMs: 500, segmentIntervalMs: segmentIntervalMs),
            keySerde: "string", valueSerde: "long", persistent: persistent)
    }

    static func open(_ task: TaskStateDirectory, _ spec: StoreSpec = spec()) throws -> SessionStateStore {
        try task.openSessionStore(spec, cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
    }

    @Test(arguments: [true, false])
    func findPutAndRemoveThroughTheCacheAndAfterCommitWithinBoundsOfOneKeyOnly(persistent: Bool) throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try Self.open(task, Self.spec(persistent: persistent))
            defer { store.close() }
            try store.put("a", 0, 10, "a1")
            try store.put("a", 20, 130, "a2")
            try store.put("ab", 5, 15, "ab")
            try store.put("b", 12, 12, "b")
            try store.put("", 1, 2, "empty")
            for round in ["cache", "committed"] {
                #expect(try store.find("a") == ["0-10=a1", "20-130=a2"], "\(round)")
                #expect(try store.find("a", 11) == ["20-130=a2"], "\(round)")
                #expect(try store.find("a", 0, 19) == ["0-10=a1"], "\(round)")
                #expect(try store.find("a", 10, 20) == ["0-10=a1", "20-130=a2"], "\(round)")
                #expect(try store.find("a", 131) == [], "\(round)")
                #expect(try store.find("ab") == ["5-15=ab"], "\(round)")
                #expect(try store.find("b") == ["12-12=b"], "\(round)")
                #expect(try store.find("") == ["1-2=empty"], "\(round)")
                #expect(try store.find("c") == [], "\(round)")
                try store.commit(checkpoint: [testPartition: 5])
            }
            try store.remove("a", 0, 10)
            try store.remove("a", 3, 4)
            #expect(try store.find("a") == ["20-130=a2"])
            try store.commit(checkpoint: [testPartition: 7])
            #expect(try store.find("a") == ["20-130=a2"])
            try store.put("a", 20, 130, "a3")
            try store.put("a", 0, 140, "merged")
            #expect(try store.find("a") == ["0-140=merged", "20-130=a3"])
            #expect(store.observedStreamTime == 140)
        }
    }

    @Test func retentionHidesExpiredSessionsAndDeletesExpiredSegmentsAtCommit() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try Self.open(task)
            defer { store.close() }
            for end in stride(from: Int64(0), through: 600, by: 100) { try store.put("k", end, end, "v\(end)") }
            try store.put("k", 640, 650, "v650")
            try store.commit(checkpoint: [testPartition: 8])
            // Stream time 650, retention 500: sessions ending at 151 or later are live; segment
            // 0 (ends 0-99) was deleted at commit, segment 1 still holds the expired session 100.
            #expect(store.earliestLiveSessionEnd == 151)
            #expect(
                try store.find("k") == [
                    "200-200=v200", "300-300=v300", "400-400=v400", "500-500=v500", "600-600=v600", "640-650=v650",
                ])
            #expect(
                try store.storedEntries() == [
                    "1|k@100-100=v100", "2|k@200-200=v200", "3|k@300-300=v300", "4|k@400-400=v400", "5|k@500-500=v500",
                    "6|k@600-600=v600", "6|k@640-650=v650",
                ])
            #expect(try store.put("k", 100, 150, "late") == false)
            #expect(try store.put("k", 100, 151, "ok") == true)
            store.advanceStreamTime(to: 1000)
            #expect(try store.find("k") == ["600-600=v600", "640-650=v650"])
            try store.commit(checkpoint: [testPartition: 10])
            #expect(try store.storedEntries() == ["5|k@500-500=v500", "6|k@600-600=v600", "6|k@640-650=v650"])
        }
    }

    @Test func dirtyEntriesAreKafkaSessionKeysThatRestoreAnotherStoreExactly() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let source = try Self.open(task, Self.spec(persistent: false))
            defer { source.close() }
            try source.put("a", 1, 2, "x")
            try source.put("b", 3, 300, "y")
            try source.remove("a", 1, 2)
            var changelog: [([UInt8], [UInt8]?)] = []
            source.forEachDirtyEntry { k, v in changelog.append((Array(k), v.map { Array($0) })) }
            #expect(
                changelog.map { $0.0 } == [
                    bytes("a") + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 1],
                    bytes("b") + [0, 0, 0, 0, 0, 0, 0x01, 0x2C] + [0, 0, 0, 0, 0, 0, 0, 3],
                ])
            #expect(changelog.map { $0.1.map { String(decoding: $0, as: UTF8.self) } } == [nil, "y"])

            let restored = try Self.open(task)
            try restored.restore(testPartition, nextOffset: 3) { batch in
                for (key, value) in [(bytes("a") + [0, 0, 0, 0, 0, 0, 0, 2] + [0, 0, 0, 0, 0, 0, 0, 1], bytes("x"))]
                    + changelog
                {
                    try key.withUnsafeBytes { k in try withOptionalBytes(value) { try batch.apply(k, $0) } }
                }
            }
            #expect(restored.observedStreamTime == 300)
            #expect(try restored.find("a") == [])
            #expect(try restored.find("b") == ["3-300=y"])
            #expect(restored.checkpoint == [testPartition: 3])
            restored.close()

            let reopened = try Self.open(task)
            defer { reopened.close() }
            #expect(reopened.observedStreamTime == 300)
            #expect(reopened.checkpoint == [testPartition: 3])
            #expect(try reopened.storedEntries() == ["3|b@3-300=y"])
        }
    }

    @Test func badTimesAndChangelogKeysAndAChangedSegmentIntervalAreRefused() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let store = try Self.open(task)
            #expect(
                stateError { try store.put("a", 5, 4, "x") }
                    == .invalidArgument(
                        store: "sessions",
                        reason:
                            "session [5, 4] is not a session window: times are epoch milliseconds with 0 ≤ start ≤ end")
            )
            #expect(stateError { try store.remove("a", -1, 4) } != nil)
            let error = stateError {
                try store.restore(testPartition, nextOffset: 1) { batch in
                    try [UInt8](repeating: 0, count: 15).withUnsafeBytes { try batch.apply($0, nil) }
                }
            }
            #expect(
                error
                    == .invalidArgument(
                        store: "sessions",
                        reason:
                            "a changelog key of 15 bytes does not end with a session's end and start (8 bytes each, 0 ≤ start ≤ end)"
                    ))
            #expect(store.checkpoint == [:])
            store.close()

            #expect(
                stateError { _ = try Self.open(task, Self.spec(segmentIntervalMs: 50)) }
                    == .incompatibleStore(
                        directory: task.storePath("sessions"), field: "session.segment.ms", onDisk: "100",
                        declared: "50"))
            var longerRetention = Self.spec()
            longerRetention.kind = .session(retentionMs: 5000, segmentIntervalMs: 100)
            try Self.open(task, longerRetention).close()
            #expect(
                stateError {
                    _ = try task.openWindowStore(Self.spec(), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
                }
                    == .invalidArgument(
                        store: "sessions", reason: "declared as a session store; open it with openSessionStore"))
        }
    }
}
