import EddySDK
import EddyTestKit
import Testing

@Suite struct TestDriverTests {
    @Test func exposesRecordMetadataTaskAndTimeAndForwardsToChildren() throws {
        let driver = try TestDriver(
            SDKTestPlugin.self, processor: "echo", taskId: "1_3", applicationId: "app", inputTopic: "orders",
            wallClockTime: 5_000, children: ["audit", "other"])
        try driver.pipe(
            key: Array("k".utf8), value: Array("v".utf8), timestamp: 100,
            headers: [Header(key: "trace", text: "t1"), Header(key: "empty", value: nil)], partition: 3)
        try driver.pipe(key: nil, value: nil, timestamp: 50)
        #expect(
            driver.readOutput() == [
                ForwardedRecord(
                    key: Array("k".utf8), value: Array("orders/3/0/1_3/app/100/5000".utf8), timestamp: 101,
                    headers: [
                        Header(key: "trace", text: "t1"), Header(key: "empty", value: nil),
                        Header(key: "seen", text: "yes"),
                    ]),
                ForwardedRecord(
                    key: Array("k".utf8), value: Array("v".utf8), timestamp: 100,
                    headers: [Header(key: "trace", text: "t1"), Header(key: "empty", value: nil)], child: "audit"),
                ForwardedRecord(
                    key: nil, value: Array("orders/0/1/1_3/app/100/5000".utf8), timestamp: 51,
                    headers: [Header(key: "seen", text: "yes")]),
                ForwardedRecord(key: nil, value: nil, timestamp: 50, child: "audit"),
            ])
        #expect(
            driver.logs.map(\.message) == ["echoed orders/3/0/1_3/app/100/5000", "echoed orders/0/1/1_3/app/100/5000"])
        #expect(driver.logs.map(\.level) == [.info, .info])
        #expect(driver.counters == ["echoed": 2])
        #expect(driver.gauges == ["last-timestamp": 50])
        #expect(driver.commitRequested)
        #expect(driver.streamTime == 100)
    }

    @Test func refusesForwardingToAnUnknownChild() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "echo", children: ["elsewhere"])
        #expect(
            throws: TestDriverError.failed(
                processor: "echo",
                message:
                    "host call forward(to: audit) failed: EDDY_INVALID_ARGUMENT (undeclared store, wrong kind or unknown child)"
            )
        ) {
            try driver.pipe(key: nil, value: [], timestamp: 1)
        }
    }

    @Test func firesStreamTimeAndWallClockPunctuations() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "ticker", wallClockTime: 0)
        try driver.pipe(value: "x", valueSerde: .string, timestamp: 5)  // first record: stream time known
        try driver.pipe(value: "x", valueSerde: .string, timestamp: 14)
        try driver.pipe(value: "x", valueSerde: .string, timestamp: 15)  // 5 + 10 reached
        try driver.pipe(value: "x", valueSerde: .string, timestamp: 3)  // out of order: no advance
        try driver.advanceStreamTime(to: 47)  // jumps over 25 and 35: fires once, next due 55
        try driver.advanceStreamTime(to: 54)
        try driver.advanceWallClockTime(by: 999)
        try driver.advanceWallClockTime(by: 1)
        try driver.advanceWallClockTime(by: 2_500)  // 1000 -> 3500: once, next due 4000
        try driver.pipe(value: "stop", valueSerde: .string, timestamp: 60)
        try driver.advanceStreamTime(to: 100)
        let output = try driver.readOutput(keySerde: .string, valueSerde: .int64)
        #expect(
            output == [
                TestRecord(key: "stream", value: 15, timestamp: 15),
                TestRecord(key: "stream", value: 47, timestamp: 47),
                TestRecord(key: "wall", value: 1000, timestamp: 1000),
                TestRecord(key: "wall", value: 3500, timestamp: 3500),
            ])
        #expect(driver.streamTime == 100)
    }

    @Test func keyValueAndWindowStores() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "stores")
        let commands = [
            "put b 2", "put a 1", "put c 3", "put ab 12", "get a", "get zz", "range a b", "prefix a", "del a",
            "prefix a", "wput k 0 7", "wput k 100 8", "wput j 100 9", "wfetch k 0 100", "wfetch k 50 150",
        ]
        for (index, command) in commands.enumerated() {
            try driver.pipe(value: command, valueSerde: .string, timestamp: Int64(index))
        }
        let results = try driver.readOutput(keySerde: .bytes, valueSerde: .string).map { $0.value ?? "" }
        #expect(
            results == [
                "ok", "ok", "ok", "ok", "1", "nil", "a=1,ab=12,b=2", "a=1,ab=12", "ok", "ab=12", "ok", "ok", "ok",
                "0=7,100=8", "100=8",
            ])
        let kv = try driver.keyValueStore("kv", key: .string, value: .string)
        #expect(kv.map(\.key) == ["ab", "b", "c"])
        #expect(kv.map(\.value) == ["12", "2", "3"])
        #expect(
            try driver.windowStore("win") == [
                StoreEntry(key: Array("j".utf8), value: [0, 0, 0, 0, 0, 0, 0, 9], windowStart: 100, windowEnd: 200),
                StoreEntry(key: Array("k".utf8), value: [0, 0, 0, 0, 0, 0, 0, 7], windowStart: 0, windowEnd: 100),
                StoreEntry(key: Array("k".utf8), value: [0, 0, 0, 0, 0, 0, 0, 8], windowStart: 100, windowEnd: 200),
            ])
        #expect(throws: TestDriverError.unknownStore("other", processor: "stores")) {
            try driver.keyValueStore("other")
        }
    }

    @Test func anUndeclaredStoreFailsTheTask() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "stores")
        #expect(
            throws: TestDriverError.failed(
                processor: "stores",
                message:
                    "host call get_store(nope) — is it declared in the processor's stores? failed: EDDY_NOT_FOUND (no such key, store or id)"
            )
        ) {
            try driver.pipe(value: "undeclared", valueSerde: .string, timestamp: 1)
        }
    }

    @Test func rejectedRecordsBecomeDeadLettersAndFailuresThrow() throws {
        let driver = try TestDriver(SDKTestPlugin.self, processor: "judge", config: ["mode": "normal"])
        try driver.pipe(value: "fine", valueSerde: .string, timestamp: 1)
        try driver.pipe(key: "k", value: "bad", keySerde: .string, valueSerde: .string, timestamp: 2)
        #expect(driver.readOutput() == [ForwardedRecord(key: nil, value: Array("fine".utf8), timestamp: 1)])
        #expect(
            driver.deadLetters == [
                DeadLetter(
                    key: Array("k".utf8), value: Array("bad".utf8), timestamp: 2, offset: 1,
                    reason: "bad is not allowed")
            ])
        #expect(throws: TestDriverError.failed(processor: "judge", message: "boom broke it")) {
            try driver.pipe(value: "boom", valueSerde: .string, timestamp: 3)
        }
    }

    @Test func validatesConfigLikeTheHost() throws {
        let missing = #expect(throws: (any Error).self) { _ = try TestDriver(SDKTestPlugin.self, processor: "judge") }
        #expect(missing.map { "\($0)" } == "processor judge: config mode is required and has no default; set it")
        let unknown = #expect(throws: (any Error).self) {
            _ = try TestDriver(SDKTestPlugin.self, processor: "judge", config: ["mode": "x", "colour": "red"])
        }
        #expect(
            unknown.map { "\($0)" }
                == "processor judge: config colour is not a key this processor accepts (it accepts: limit, mode, strict)"
        )
        let badBool = #expect(throws: (any Error).self) {
            _ = try TestDriver(SDKTestPlugin.self, processor: "judge", config: ["mode": "x", "strict": "yes"])
        }
        #expect(badBool.map { "\($0)" } == "processor judge: config strict must be true or false, got \"yes\"")
        let failedInit = #expect(throws: (any Error).self) {
            _ = try TestDriver(SDKTestPlugin.self, processor: "judge", config: ["mode": "refuse"])
        }
        #expect(
            failedInit.map { "\($0)" } == "processor judge failed to initialize: init failed: mode refuse cannot start")
        #expect(
            throws: TestDriverError.unknownProcessor(
                "nope", plugin: "sdk-test", available: ["echo", "ticker", "stores", "sessions", "judge"])
        ) {
            _ = try TestDriver(SDKTestPlugin.self, processor: "nope")
        }
    }
}
