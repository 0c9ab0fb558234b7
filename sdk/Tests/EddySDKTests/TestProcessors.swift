import EddySDK

/// Processors that exercise every part of the SDK, run through the test driver.
enum SDKTestPlugin: Plugin {
    static let name = "sdk-test"
    static let version = "0.0.1"
    static var processors: [any Processor.Type] {
        [EchoMetadata.self, Ticker.self, StoreUser.self, SessionUser.self, Judge.self]
    }
}

/// Forwards what it knows about each record and its task, to all children and to `audit`.
struct EchoMetadata: Processor {
    static let name = "echo"
    let context: ProcessorContext

    init(context: ProcessorContext) throws { self.context = context }

    mutating func process(_ record: Record) throws {
        let text = [
            record.topic ?? "-", record.partition.map(String.init) ?? "-", record.offset.map(String.init) ?? "-",
            context.taskId, context.applicationId, String(context.streamTime ?? -1),
            String(context.wallClockTime),
        ].joined(separator: "/")
        try context.forward(
            key: record.key, value: Array(text.utf8), timestamp: record.timestamp + 1,
            headers: record.headers + [Header(key: "seen", text: "yes")])
        try context.forward(record, to: "audit")
        context.log(.info, "echoed \(text)")
        context.count("echoed")
        context.gauge("last-timestamp", Double(record.timestamp))
        context.requestCommit()
    }
}

/// Schedules a stream-time punctuation every 10 ms and a wall-clock one every 1000 ms, and
/// forwards `type → time` when they fire; a record "stop" cancels the stream-time one.
struct Ticker: Processor {
    static let name = "ticker"
    let context: ProcessorContext
    let streamTick: Schedule
    let wallTick: Schedule

    init(context: ProcessorContext) throws {
        self.context = context
        streamTick = try context.schedule(every: 10, .streamTime)
        wallTick = try context.schedule(every: 1000, .wallClockTime)
    }

    mutating func process(_ record: Record) throws {
        if try record.value(.string) == "stop" { try context.cancel(streamTick) }
    }

    mutating func punctuate(_ schedule: Schedule, timestamp: Int64) throws {
        let type = schedule == streamTick ? "stream" : "wall"
        try context.forward(key: type, value: timestamp, keySerde: .string, valueSerde: .int64, timestamp: timestamp)
    }
}

/// Runs store commands given as record values and forwards the results:
/// `put k v`, `del k`, `get k`, `range a b`, `prefix p`, `wput k start v`, `wfetch k from to`.
struct StoreUser: Processor {
    static let name = "stores"
    static let stores: [StoreDeclaration] = [
        .keyValue("kv", key: .string, value: .string, changelog: false),
        .window("win", key: .string, value: .int64, windowSize: 100, retention: 1000),
    ]
    let context: ProcessorContext
    let kv: KeyValueStore<StringSerde, StringSerde>
    let windows: WindowStore<StringSerde, BigEndianIntegerSerde<Int64>>

    init(context: ProcessorContext) throws {
        self.context = context
        kv = try context.keyValueStore("kv", key: .string, value: .string)
        windows = try context.windowStore("win", key: .string, value: .int64)
    }

    mutating func process(_ record: Record) throws {
        let words = (try record.value(.string) ?? "").split(separator: " ").map(String.init)
        let result: String
        switch words.first {
        case "put":
            try kv.put(words[1], words[2])
            result = "ok"
        case "del":
            try kv.delete(words[1])
            result = "ok"
        case "get":
            result = try kv.get(words[1]) ?? "nil"
        case "range":
            result = try kv.range(from: words[1], to: words[2]).map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        case "prefix":
            result = try kv.prefixScan(words[1]).map { "\($0.key)=\($0.value)" }.joined(separator: ",")
        case "wput":
            try windows.put(words[1], Int64(words[3])!, windowStart: Int64(words[2])!)
            result = "ok"
        case "wfetch":
            result = try windows.fetch(words[1], from: Int64(words[2])!, to: Int64(words[3])!)
                .map { "\($0.windowStart)=\($0.value)" }.joined(separator: ",")
        case "undeclared":
            _ = try context.keyValueStore("nope", key: .string, value: .string)
            result = "unreachable"
        default:
            throw ProcessorError.reject("unknown command \(words.first ?? "")")
        }
        try context.forward(key: nil, value: Array(result.utf8), timestamp: record.timestamp)
    }
}

/// Runs session-store commands given as record values and forwards the results:
/// `put k start end v`, `remove k start end`, `find k earliestEnd latestStart`, `fetch k`.
struct SessionUser: Processor {
    static let name = "sessions"
    static let stores: [StoreDeclaration] = [.session("sessions", key: .string, value: .int64, retention: 1000)]
    let context: ProcessorContext
    let sessions: SessionStore<StringSerde, BigEndianIntegerSerde<Int64>>

    init(context: ProcessorContext) throws {
        self.context = context
        sessions = try context.sessionStore("sessions", key: .string, value: .int64)
    }

    mutating func process(_ record: Record) throws {
        let words = (try record.value(.string) ?? "").split(separator: " ").map(String.init)
        let times = words.dropFirst(2).compactMap { Int64($0) }
        let result: String
        switch words.first {
        case "put":
            try sessions.put(words[1], times[2], start: times[0], end: times[1])
            result = "ok"
        case "remove":
            try sessions.remove(words[1], start: times[0], end: times[1])
            result = "ok"
        case "find":
            result = try sessions.findSessions(
                words[1], earliestSessionEndTime: times[0], latestSessionStartTime: times[1]
            )
            .map { "\($0.start)-\($0.end)=\($0.value)" }.joined(separator: ",")
        case "fetch":
            result = try sessions.fetch(words[1]).map { "\($0.start)-\($0.end)=\($0.value)" }.joined(separator: ",")
        default:
            throw ProcessorError.reject("unknown command \(words.first ?? "")")
        }
        try context.forward(key: nil, value: Array(result.utf8), timestamp: record.timestamp)
    }
}

/// Rejects "bad", fails on "boom", forwards everything else; needs the `mode` config key.
struct Judge: Processor {
    static let name = "judge"
    static let config: [ConfigKey] = [
        ConfigKey("mode", .string, doc: "required"),
        ConfigKey("limit", .int, default: "3"),
        ConfigKey("strict", .bool, default: "false"),
    ]
    let context: ProcessorContext
    let limit: Int

    init(context: ProcessorContext) throws {
        self.context = context
        limit = try context.config("limit", as: Int.self)
        guard try context.config("mode", as: String.self) != "refuse" else {
            throw ProcessorError.fail("mode refuse cannot start")
        }
    }

    mutating func process(_ record: Record) throws {
        switch try record.value(.string) {
        case "bad": throw ProcessorError.reject("bad is not allowed")
        case "boom": throw ProcessorError.fail("boom broke it")
        default: try context.forward(record)
        }
    }
}
