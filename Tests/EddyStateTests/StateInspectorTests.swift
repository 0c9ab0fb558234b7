import Testing

@testable import EddyState

/// Reading a window store from outside a worker: its metadata records the window size, and
/// ``InspectedStore/forEachWindow(_:)`` decodes the stored keys into key and window start.
@Suite struct StateInspectorTests {
    static func spec(windowSizeMs: Int64?) -> StoreSpec {
        StoreSpec(
            name: "windows", kind: .window(retentionMs: 1_000, segmentIntervalMs: 100), keySerde: "string",
            valueSerde: "string", windowSizeMs: windowSizeMs)
    }

    @Test func aWindowStoreIsListedWithItsWindowSizeAndReadWindowByWindow() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_1")
            let store = try task.openWindowStore(
                Self.spec(windowSizeMs: 50), cacheBudget: RecordCacheBudget(maxBytes: 1 << 20))
            try store.put("b", 0, "b0")
            try store.put("a", 150, "a150")
            try store.put("a", 50, "a50")
            try store.put("ab", 50, "ab50")
            try store.commit(checkpoint: [testPartition: 7])
            store.close()
            task.unlock()

            let inspector = try StateInspector(root: state.root, applicationId: state.applicationId)
            let found = try inspector.stores()
            #expect(
                found == [
                    StateInspector.StoreOnDisk(
                        taskId: "0_1", name: "windows", directory: state.taskPath("0_1") + "/windows", kind: "window",
                        keySerde: "string", valueSerde: "string", windowSizeMs: 50)
                ])
            let inspected = try inspector.open(found[0])
            defer { inspected.close() }
            var windows: [String] = []
            try inspected.forEachWindow { key, start, value in windows.append("\(text(key))@\(start)=\(text(value))") }
            // Stored order: by segment (100 ms), then key bytes and start.
            #expect(windows == ["a@50=a50", "ab@50=ab50", "b@0=b0", "a@150=a150"])
            #expect(inspected.checkpoint == [testPartition: 7])
        }
    }

    @Test func aWindowStoreReopenedWithAnotherWindowSizeIsRefused() throws {
        try withStateDirectory { state in
            let task = try state.lockTask("0_0")
            defer { task.unlock() }
            let budget = RecordCacheBudget(maxBytes: 1 << 20)
            try task.openWindowStore(Self.spec(windowSizeMs: 50), cacheBudget: budget).close()
            #expect(
                stateError { _ = try task.openWindowStore(Self.spec(windowSizeMs: 60), cacheBudget: budget) }
                    == .incompatibleStore(
                        directory: task.storePath("windows"), field: "window.size.ms", onDisk: "50", declared: "60"))
            try task.openWindowStore(Self.spec(windowSizeMs: 50), cacheBudget: budget).close()
        }
    }
}
