import EddyEngine
import EddySDK
import Foundation
import Yams

extension AppConfig {
    /// Reads and validates an application file.
    public static func load(path: String) throws(AppConfigError) -> AppConfig {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw AppConfigError(
                file: path, line: nil, key: "", message: "cannot read the file: \(error.localizedDescription)")
        }
        let base = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, file: path, relativeTo: base)
    }

    /// Parses and validates application YAML; relative paths resolve against `relativeTo`.
    public static func parse(yaml: String, file: String, relativeTo base: String = ".") throws(AppConfigError)
        -> AppConfig
    {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw AppConfigError(
                    file: file, line: nil, key: "",
                    message: "the file is empty — see the README for an example app.yaml")
            }
            root = node
        } catch let error as AppConfigError {
            throw error
        } catch {
            throw AppConfigError(file: file, line: nil, key: "", message: "not valid YAML: \(error)")
        }
        let r = try YAMLReader(file: file, path: "", node: root)
        try r.rejectUnknownKeys(
            prefixes: [OperationsConfig.topicPrefix],
            [
                "application.id", "bootstrap.servers", "processing.guarantee", "num.stream.threads",
                "commit.interval.ms",
                "state.dir", "plugins.dir", "instance.id", "default.deserialization.exception.handler",
                "dead.letter.topic", "transaction.timeout.ms", "cache.max.bytes.buffering", "rocksdb.memory.mb",
                "plugin.version.header", "plugins.watch", "static.membership",
                "default.timestamp.extractor", "buffered.records.per.partition", "max.task.idle.ms",
                "kafka",
                "topology",
            ] + OperationsConfig.keys + PluginIsolationConfig.keys)

        let applicationId = try r.requiredString("application.id", "wordcount")
        guard applicationId.allSatisfy({ $0.isLetter || $0.isNumber || "._-".contains($0) }) else {
            throw r.error(
                "application.id",
                "'\(applicationId)' may contain only letters, digits, '.', '_' and '-' (it names topics)")
        }
        let bootstrap: BootstrapServers
        switch try r.stringList("bootstrap.servers") {
        case nil:
            throw r.error(
                "bootstrap.servers", "is required — give host:port list, or `embedded` for the development broker")
        case ["embedded"]?:
            bootstrap = .embedded
        case let servers?:
            bootstrap = .servers(servers.joined(separator: ","))
        }
        let guarantee = try r.choice("processing.guarantee", ProcessingGuarantee.self) ?? .atLeastOnce
        let handler = try r.choice("default.deserialization.exception.handler", ErrorHandler.self) ?? .deadLetter

        var config = AppConfig(
            file: file,
            applicationId: applicationId,
            bootstrapServers: bootstrap,
            processingGuarantee: guarantee,
            numStreamThreads: try r.int("num.stream.threads", range: 1...64) ?? 1,
            commitIntervalMs: try r.int("commit.interval.ms", range: 1...3_600_000)
                ?? (guarantee == .exactlyOnceV2 ? 100 : 30_000),
            stateDir: Self.resolve(try r.string("state.dir") ?? "state", against: base),
            pluginsDir: Self.resolve(try r.string("plugins.dir") ?? "plugins", against: base),
            instanceId: try r.string("instance.id"),
            errorHandler: handler,
            deadLetterTopic: try r.string("dead.letter.topic") ?? "\(applicationId)-dlq",
            kafka: try r.stringMap("kafka"),
            transactionTimeoutMs: try r.int("transaction.timeout.ms", range: 1000...900_000) ?? 10_000,
            cacheMaxBytes: try r.int("cache.max.bytes.buffering", range: 0...(1 << 34)) ?? 10 * 1024 * 1024,
            rocksDBMemoryMB: try r.int("rocksdb.memory.mb", range: 8...1 << 20) ?? 128,
            pluginVersionHeader: try r.bool("plugin.version.header") ?? false,
            watchPlugins: try r.bool("plugins.watch") ?? true,
            staticMembership: try r.bool("static.membership") ?? false,
            topology: TopologySpec(sources: [], processors: [], sinks: [], stores: []))
        guard let topology = try r.child("topology") else {
            throw r.error(
                "topology",
                "is required — declare sources, processors and sinks, or name a plugin's exported topology with `plugin:` (see the README)"
            )
        }
        config.defaultTimestamp = try defaultTimestamp(r)
        try parseInputOrdering(r, into: &config)
        config.topology = try parseTopology(topology, defaultTimestamp: config.defaultTimestamp)
        config.operations = try OperationsConfig.parse(r, deserializationHandler: handler)
        config.pluginIsolation = try PluginIsolationConfig.parse(r)
        if let kafka = try r.child("kafka"), let node = kafka["group.instance.id"] {
            throw kafka.error(
                "group.instance.id",
                "cannot be set here: every stream thread needs an id of its own — "
                    + "set `static.membership: true` and each thread gets <application.id>-<instance.id>-<thread>",
                at: node)
        }
        return config
    }

    /// `buffered.records.per.partition` and `max.task.idle.ms`: how a task with several input
    /// partitions buffers and orders their records.
    private static func parseInputOrdering(_ r: YAMLReader, into config: inout AppConfig) throws(AppConfigError) {
        if let text = try r.string("buffered.records.per.partition") {
            guard let value = Int(text), (1...1_000_000).contains(value) else {
                throw r.error(
                    "buffered.records.per.partition",
                    "'\(text)' is not a record count in 1...1000000 — the records a task buffers per input partition before pausing it (default 1000)",
                    at: r["buffered.records.per.partition"])
            }
            config.bufferedRecordsPerPartition = value
        }
        if let text = try r.string("max.task.idle.ms") {
            guard let value = Int(text), (-1...86_400_000).contains(value) else {
                throw r.error(
                    "max.task.idle.ms",
                    "'\(text)' is not -1 (never wait for an empty input partition) or a wait in milliseconds in 0...86400000 (default 0: "
                        + "wait only for records already on the brokers)",
                    at: r["max.task.idle.ms"])
            }
            config.maxTaskIdleMs = value
        }
    }

    private static func resolve(_ path: String, against base: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: base).appendingPathComponent(path).standardized.path
    }

    // MARK: - Topology

    private static func parseTopology(_ r: YAMLReader, defaultTimestamp: Topology.Timestamp) throws(AppConfigError)
        -> TopologySpec
    {
        try r.rejectUnknownKeys(["plugin", "config", "topics", "sources", "tables", "processors", "sinks", "stores"])
        var spec = TopologySpec(sources: [], processors: [], sinks: [], stores: [])
        spec.plugin = try r.string("plugin")
        spec.pluginLine = r["plugin"].flatMap { YAMLReader.line(of: $0) }
        if let config = try r.child("config") {
            guard spec.plugin != nil else {
                throw r.error(
                    "config", "configures the processor nodes of a plugin's topology — name the plugin with `plugin:`")
            }
            for node in config.keys {
                spec.pluginConfig[node] = try config.stringMap(node)
            }
        }
        spec.pluginTopics = try r.stringMap("topics")
        if !spec.pluginTopics.isEmpty, spec.plugin == nil {
            throw r.error("topics", "renames the topics of a plugin's topology — name the plugin with `plugin:`")
        }
        for s in try r.list("sources") {
            try s.rejectUnknownKeys([
                "name", "topics", "key.serde", "value.serde", "timestamp.field", "timestamp.extractor",
            ])
            let name = try s.requiredString("name", "lines")
            guard let topics = try s.stringList("topics"), !topics.isEmpty else {
                throw s.error("topics", "is required — the topics this source reads, e.g. `topics: [text-input]`")
            }
            spec.sources.append(
                SourceSpec(
                    name: name, topics: topics,
                    keySerde: try s.serde("key.serde") ?? .string,
                    valueSerde: try s.serde("value.serde") ?? .string,
                    timestamp: try sourceTimestamp(s) ?? defaultTimestamp,
                    line: YAMLReader.line(of: s.node)))
        }
        for t in try r.list("tables") {
            try t.rejectUnknownKeys(["name", "topic", "key.serde", "value.serde", "store", "global"])
            let name = try t.requiredString("name", "users")
            spec.tables.append(
                TableSpec(
                    name: name, topic: try t.requiredString("topic", "users"),
                    keySerde: try t.serde("key.serde") ?? .string,
                    valueSerde: try t.serde("value.serde") ?? .string, store: try t.string("store") ?? "\(name)-store",
                    global: try t.bool("global") ?? false, line: YAMLReader.line(of: t.node)))
        }
        for p in try r.list("processors") {
            spec.processors.append(try parseProcessor(p))
        }
        for s in try r.list("sinks") {
            try s.rejectUnknownKeys(["name", "topic", "inputs", "key.serde", "value.serde"])
            spec.sinks.append(
                SinkSpec(
                    name: try s.requiredString("name", "output"),
                    topic: try s.requiredString("topic", "word-counts"),
                    inputs: try requiredInputs(s),
                    keySerde: try s.serde("key.serde") ?? .string,
                    valueSerde: try s.serde("value.serde") ?? .string,
                    line: YAMLReader.line(of: s.node)))
        }
        for s in try r.list("stores") {
            try s.rejectUnknownKeys(["name", "persistent", "logged", "retention.ms"])
            spec.stores.append(
                StoreSpec(
                    name: try s.requiredString("name", "counts"), persistent: try s.bool("persistent") ?? true,
                    logged: try s.bool("logged"),
                    retentionMs: try s.int("retention.ms", range: 1...StoreSpec.maxRetentionMs),
                    line: YAMLReader.line(of: s.node)))
        }
        if spec.plugin == nil {
            guard !spec.sources.isEmpty || !spec.tables.isEmpty else {
                throw r.error("sources", "at least one source (or table) is required")
            }
            guard !spec.sinks.isEmpty else { throw r.error("sinks", "at least one sink is required") }
        }
        return spec
    }

    private static func requiredInputs(_ r: YAMLReader) throws(AppConfigError) -> [String] {
        guard let inputs = try r.stringList("inputs"), !inputs.isEmpty else {
            throw r.error("inputs", "is required — the nodes this one reads from, e.g. `inputs: [lines]`")
        }
        return inputs
    }

    private static func parseProcessor(_ p: YAMLReader) throws(AppConfigError) -> ProcessorSpec {
        let name = try p.requiredString("name", "count")
        let type = try p.string("type") ?? "plugin"
        let common = ["name", "type", "inputs"]
        let kind: ProcessorSpec.Kind
        switch type {
        case "plugin":
            try p.rejectUnknownKeys(common + ["plugin", "processor", "config"])
            kind = .plugin(
                plugin: try p.requiredString("plugin", "WordCount"),
                processor: try p.requiredString("processor", "word-count"),
                config: try p.stringMap("config"))
        case "filter":
            try p.rejectUnknownKeys(common + ["function", "fields"])
            kind = .filter(try functionCall(p))
        case "map_values":
            try p.rejectUnknownKeys(common + ["function", "fields", "output.field"])
            kind = .mapValues(try functionCall(p), outputField: try p.string("output.field"))
        case "select_key", "group_by":
            try p.rejectUnknownKeys(common + ["field", "function"] + (type == "group_by" ? ["partitions"] : []))
            let field = try p.string("field")
            let function = p["function"] == nil ? nil : try functionCall(p)
            guard (field == nil) != (function == nil) else {
                throw p.error(
                    field == nil ? "field" : "function",
                    "give either `field:` (a JSON field of the value) or `function:` (a plugin's stream function), not \(field == nil ? "neither" : "both")"
                )
            }
            kind =
                type == "group_by"
                ? .groupBy(field: field, function: function, partitions: try p.int("partitions", range: 1...10_000))
                : .selectKey(field: field, function: function)
        case "map", "flat_map", "flat_map_values", "peek", "foreach":
            try p.rejectUnknownKeys(common + ["function"])
            let call = try functionCall(p)
            switch type {
            case "map": kind = .map(call)
            case "flat_map": kind = .flatMap(call)
            case "flat_map_values": kind = .flatMapValues(call)
            case "peek": kind = .peek(call)
            default: kind = .foreach(call)
            }
        case "branch":
            try p.rejectUnknownKeys(common + ["branches"])
            let branches = try p.list("branches")
            guard !branches.isEmpty else {
                throw p.error(
                    "branches",
                    "is required — e.g. `branches: [{name: large, function: Enrich.is_large, fields: [amount]}, {name: rest}]`"
                )
            }
            kind = .branch(
                try branches.map { b throws(AppConfigError) in
                    try b.rejectUnknownKeys(["name", "function", "fields"])
                    return BranchSpec(
                        name: try b.requiredString("name", "large"),
                        function: b["function"] == nil ? nil : try functionCall(b),
                        line: YAMLReader.line(of: b.node))
                })
        case "merge":
            try p.rejectUnknownKeys(common)
            kind = .merge
        case "repartition":
            try p.rejectUnknownKeys(common + ["partitions"])
            kind = .repartition(partitions: try p.int("partitions", range: 1...10_000))
        case "count":
            try p.rejectUnknownKeys(common + ["store"] + windowingKeys)
            kind = .count(store: try p.string("store") ?? "\(name)-store", windowing: try parseWindowing(p))
        case "reduce", "aggregate":
            let isAggregate = type == "aggregate"
            try p.rejectUnknownKeys(
                common + ["store", "function", "field"] + (isAggregate ? ["initial"] : []) + windowingKeys)
            let call = try functionCall(p)
            kind = .aggregate(
                AggregationSpec(
                    operation: isAggregate ? .aggregate : .reduce, store: try p.string("store") ?? "\(name)-store",
                    function: FunctionCall(plugin: call.plugin, function: call.function, fields: []),
                    field: try p.string("field"), initial: isAggregate ? try p.string("initial") : nil,
                    windowing: try parseWindowing(p)))
        case "join":
            try p.rejectUnknownKeys(
                common + [
                    "join", "window", "key.field", "key.function", "foreign.key.field", "foreign.key.function",
                    "joiner",
                ])
            kind = .join(try parseJoin(p))
        default:
            throw p.error(
                "type",
                "'\(type)' is not one of plugin, filter, map_values, select_key, map, flat_map, flat_map_values, peek, foreach, branch, merge, group_by, repartition, count, reduce, aggregate, join",
                at: p["type"])
        }
        return ProcessorSpec(name: name, inputs: try requiredInputs(p), kind: kind, line: YAMLReader.line(of: p.node))
    }

    /// `join: inner|left|outer` and, for two streams, `window: {difference.ms | before.ms + after.ms, grace.ms}`.
    private static func parseJoin(_ p: YAMLReader) throws(AppConfigError) -> JoinSpec {
        let joinType = try p.string("join") ?? "inner"
        guard let type = Topology.Join.JoinType(rawValue: joinType) else {
            throw p.error("join", "'\(joinType)' is not one of inner, left, outer", at: p["join"])
        }
        var spec = JoinSpec(type: type, windows: try parseJoinWindows(p))
        spec.keySelector = try keySelector(p, field: "key.field", function: "key.function")
        spec.foreignKey = try keySelector(p, field: "foreign.key.field", function: "foreign.key.function")
        if p["joiner"] != nil { spec.joiner = try functionCall(p, key: "joiner", example: "Orders.describe-order") }
        return spec
    }

    /// A join's key selector: `<field>: a.b` (a JSON field path of the value) or
    /// `<function>: Plugin.name` (a `select_key` stream function), one of the two; nil for neither.
    private static func keySelector(_ p: YAMLReader, field: String, function: String) throws(AppConfigError)
        -> KeySelectorSpec?
    {
        switch (try p.string(field), p[function] != nil) {
        case (nil, false): return nil
        case (let path?, false):
            guard !path.isEmpty,
                !path.split(separator: ".", omittingEmptySubsequences: false).contains(where: \.isEmpty)
            else {
                throw p.error(
                    field,
                    "'\(path)' is not a JSON field path — name a field of the value, e.g. `\(field): shop` or `\(field): order.shop`"
                )
            }
            return .field(path)
        case (nil, true): return .function(try functionCall(p, key: function, example: "Orders.shop-of"))
        case (_?, true):
            throw p.error(
                field,
                "give either `\(field):` (a JSON field of the value) or `\(function):` (a plugin's select_key stream function), not both"
            )
        }
    }

    /// A stream–stream join's `window:`, or nil.
    private static func parseJoinWindows(_ p: YAMLReader) throws(AppConfigError) -> JoinWindows? {
        guard let w = try p.child("window") else { return nil }
        try w.rejectUnknownKeys(["difference.ms", "before.ms", "after.ms", "grace.ms"])
        let grace = Int64(try w.int("grace.ms", range: 0...StoreSpec.maxRetentionMs) ?? 0)
        if let difference = try w.int("difference.ms", range: 0...StoreSpec.maxRetentionMs) {
            guard w["before.ms"] == nil, w["after.ms"] == nil else {
                throw w.error("difference.ms", "give either `difference.ms:` or `before.ms:` and `after.ms:`, not both")
            }
            return JoinWindows(before: Int64(difference), after: Int64(difference), grace: grace)
        }
        guard let before = try w.int("before.ms", range: 0...StoreSpec.maxRetentionMs),
            let after = try w.int("after.ms", range: 0...StoreSpec.maxRetentionMs)
        else {
            throw w.error(
                "difference.ms",
                "is required — how far apart two records may be to join, e.g. `window: {difference.ms: 10000}` (or `before.ms:` and `after.ms:`)"
            )
        }
        return JoinWindows(before: Int64(before), after: Int64(after), grace: grace)
    }

    /// `function: Plugin.name` (or another `key:`) plus `fields: [a, b]`.
    private static func functionCall(
        _ p: YAMLReader, key: String = "function", example: String = "Enrich.risk_score"
    ) throws(AppConfigError) -> FunctionCall {
        let qualified = try p.requiredString(key, example)
        guard let dot = qualified.firstIndex(of: "."), dot != qualified.startIndex,
            qualified.index(after: dot) != qualified.endIndex
        else {
            throw p.error(key, "'\(qualified)' must be Plugin.function, e.g. \(example)", at: p[key])
        }
        return FunctionCall(
            plugin: String(qualified[..<dot]), function: String(qualified[qualified.index(after: dot)...]),
            fields: try p.stringList("fields") ?? [])
    }
}
