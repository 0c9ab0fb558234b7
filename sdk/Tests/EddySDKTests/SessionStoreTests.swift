import EddyHost
import EddyTestKit
import Testing

@testable import EddySDK

/// The SDK's `SessionStore` through the real host table: the test driver's in-memory
/// session store, and the refusal on a host older than ABI 1.3.
@Suite struct SessionStoreTests {
    @Test func putFindRemoveAndFetchThroughTheTestDriver() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "sessions")
        let commands = [
            "put a 0 10 1", "put a 20 30 2", "put ab 5 15 3", "put a 12 12 4", "find a 11 25", "find a 0 19",
            "find a 31 100", "remove a 12 12", "remove a 99 99", "fetch a", "fetch ab", "fetch b",
        ]
        for (index, command) in commands.enumerated() {
            try driver.pipe(value: command, valueSerde: .string, timestamp: Int64(index))
        }
        let results = try driver.readOutput(keySerde: .bytes, valueSerde: .string).map { $0.value ?? "" }
        #expect(
            results == [
                "ok", "ok", "ok", "ok", "12-12=4,20-30=2", "0-10=1,12-12=4", "", "ok", "ok", "0-10=1,20-30=2", "5-15=3",
                "",
            ])
        #expect(
            try driver.sessionStore("sessions") == [
                StoreEntry(key: Array("a".utf8), value: [0, 0, 0, 0, 0, 0, 0, 1], windowStart: 0, windowEnd: 10),
                StoreEntry(key: Array("a".utf8), value: [0, 0, 0, 0, 0, 0, 0, 2], windowStart: 20, windowEnd: 30),
                StoreEntry(key: Array("ab".utf8), value: [0, 0, 0, 0, 0, 0, 0, 3], windowStart: 5, windowEnd: 15),
            ])
    }

    @Test func aProcessorInADSLTopologyGetsASessionStoreFromTheTopologyTestDriver() throws {
        let driver = try TopologyTestDriver(DSLWithSessions.self)
        let commands = driver.inputTopic("commands", key: .string, value: .string)
        for command in ["put a 0 10 1", "put a 5 20 2", "find a 0 100"] { try commands.pipe(key: "k", value: command) }
        #expect(
            try driver.outputTopic("results", key: .string, value: .string).readRecords().map(\.value) == [
                "ok", "ok", "0-10=1,5-20=2",
            ])
        #expect(try driver.sessionStore("sessions").map { "\($0.windowStart)-\($0.windowEnd)" } == ["0-10", "5-20"])
    }

    @Test func badSessionTimesAreRefused() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "sessions")
        #expect(
            throws: TestDriverError.failed(
                processor: "sessions",
                message:
                    "host call session_put(sessions) failed: EDDY_INVALID_ARGUMENT (undeclared store, wrong kind or unknown child)"
            )
        ) {
            try driver.pipe(value: "put a 10 5 1", valueSerde: .string, timestamp: 1)
        }
    }

    @Test func aHostOlderThanABI13IsRefusedBeforeAnyCall() throws {
        var table = HostAPITable.pointer.pointee
        table.struct_size = UInt32(MemoryLayout<eddy_host_api>.offset(of: \.session_put)!)
        table.abi_minor = 2
        withUnsafePointer(to: &table) { host in
            // The guard reads the table's size only: the context is never dereferenced.
            let context = ProcessorContext(host: host, ctx: OpaquePointer(bitPattern: 1)!)
            #expect(throws: HostTooOld(service: "session stores", required: "1.3", host: "1.2")) {
                _ = try context.sessionStore("sessions", key: .string, value: .int64)
            }
        }
        #expect(
            HostTooOld(service: "session stores", required: "1.3", host: "1.2").description
                == "session stores need a host with ABI 1.3; this host speaks ABI 1.2 — run the plugin on a newer Eddy")
    }
}
