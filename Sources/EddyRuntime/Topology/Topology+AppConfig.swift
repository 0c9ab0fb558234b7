@_exported import EddyEngine
import EddyHost
import EddyPlugins
import EddySDK

extension Topology {
    /// Compiles an application file's topology (its YAML nodes, and the topology of the
    /// plugin named by `topology.plugin`) into the one topology form, checking every
    /// function a node calls against the plugins: a stream function of the node's kind, or
    /// a typed function whose signature fits.
    public static func build(_ config: AppConfig, plugins: PluginSet) throws(AppConfigError) -> Topology {
        var declared: [DeclaredNode] = []
        let spec = config.topology
        if let pluginName = spec.plugin {
            guard let plugin = plugins.plugins[pluginName] else {
                throw AppConfigError(
                    file: config.file, line: spec.pluginLine, key: "topology.plugin",
                    message: "plugin '\(pluginName)' is not loaded")
            }
            let nodes: [DeclaredNode]
            do {
                nodes = try declaredNodes(ofPlugin: pluginName, plugin.description, processorConfig: spec.pluginConfig)
            } catch {
                throw AppConfigError(
                    file: config.file, line: spec.pluginLine, key: "topology.plugin", message: error.message)
            }
            declared += try renamingTopics(nodes, spec, config).map { entry in
                // default.timestamp.extractor applies to the plugin's sources that take the record's own.
                guard case .source(var source) = entry.node.kind, source.timestamp == .record else { return entry }
                var entry = entry
                source.timestamp = config.defaultTimestamp
                entry.node.kind = .source(source)
                return entry
            }
            for (node, given) in spec.pluginConfig {
                guard let found = plugin.description.topologyNode(named: node), let processor = found.processor,
                    let description = plugin.processor(named: processor)
                else {
                    throw AppConfigError(
                        file: config.file, line: spec.pluginLine, key: "topology.config.\(node)",
                        message: "the topology of '\(pluginName)' has no processor node '\(node)' to configure")
                }
                do {
                    _ = try ConfigResolver.resolve(given, for: processor, declared: description.config)
                } catch {
                    throw AppConfigError(
                        file: config.file, line: spec.pluginLine, key: "topology.config.\(node)", message: "\(error)")
                }
            }
        }
        let compiler = AppTopologyCompiler(config: config, plugins: plugins.plugins)
        try compiler.checkExtractor(config.defaultTimestamp, key: "default.timestamp.extractor", line: nil)
        declared += try compiler.nodes()
        do {
            return try build(applicationId: config.applicationId, nodes: declared)
        } catch {
            throw AppConfigError(
                file: config.file, line: error.location.line, key: error.location.key, message: error.message)
        }
    }
}

extension Topology {
    /// The plugin topology's nodes with the topics `topology.topics` renames; every name it
    /// renames must be one the topology uses.
    fileprivate static func renamingTopics(_ nodes: [DeclaredNode], _ spec: TopologySpec, _ config: AppConfig)
        throws(AppConfigError) -> [DeclaredNode]
    {
        guard !spec.pluginTopics.isEmpty else { return nodes }
        let used = Set(nodes.flatMap { $0.node.kind.sourceTopics + ($0.node.kind.sinkTopic.map { [$0] } ?? []) })
        for name in spec.pluginTopics.keys.sorted() where !used.contains(name) {
            throw AppConfigError(
                file: config.file, line: spec.pluginLine, key: "topology.topics.\(name)",
                message:
                    "the topology of '\(spec.plugin ?? "")' uses no topic '\(name)'\(Suggestion.didYouMean(name, among: used)) (it uses: \(used.sorted().joined(separator: ", ")))"
            )
        }
        return nodes.map { entry in
            var entry = entry
            switch entry.node.kind {
            case .source(var source):
                source.topics = source.topics.map { spec.pluginTopics[$0] ?? $0 }
                entry.node.kind = .source(source)
            case .sink(var sink):
                sink.topic = spec.pluginTopics[sink.topic] ?? sink.topic
                entry.node.kind = .sink(sink)
            default:
                break
            }
            return entry
        }
    }
}

/// Turns the YAML nodes of an application file into declared nodes of the topology form.
struct AppTopologyCompiler {
    let config: AppConfig
    let plugins: [String: LoadedPlugin]

    func nodes() throws(AppConfigError) -> [Topology.DeclaredNode] {
        let spec = config.topology
        var storeNames: [String: String] = [:]
        for (index, store) in spec.stores.enumerated() {
            if let first = storeNames[store.name] {
                throw AppConfigError(
                    file: config.file, line: store.line, key: "topology.stores[\(index)].name",
                    message: "store '\(store.name)' is declared twice (first at \(first)) — declare each store once")
            }
            storeNames[store.name] = "topology.stores[\(index)]"
        }
        var declared: [Topology.DeclaredNode] = []
        for (index, source) in spec.sources.enumerated() {
            try checkExtractor(
                source.timestamp, key: "topology.sources[\(index)].timestamp.extractor", line: source.line)
            let kind = Topology.Kind.source(
                Topology.Source(
                    topics: source.topics, keySerde: source.keySerde.rawValue, valueSerde: source.valueSerde.rawValue,
                    timestamp: source.timestamp))
            declared.append(
                .init(
                    Topology.Node(name: source.name, kind: kind, parents: []),
                    at: .init("topology.sources[\(index)]", line: source.line)))
        }
        try checkGlobalTableInputs()
        for (index, table) in spec.tables.enumerated() {
            let source = Topology.Source(
                topics: [table.topic], keySerde: table.keySerde.rawValue, valueSerde: table.valueSerde.rawValue,
                timestamp: config.defaultTimestamp)
            // A global table's store is restored from its topic by the global-store thread;
            // a table's store has the topic as its changelog (no topic of its own either way).
            let store = StoreDeclaration(
                name: table.store, kind: .keyValue, keySerde: table.keySerde.rawValue,
                valueSerde: table.valueSerde.rawValue, changelog: !table.global,
                retentionMs: 0, windowSizeMs: 0)
            if table.global {
                let global = Topology.GlobalStore(
                    topic: table.topic, keySerde: table.keySerde.rawValue, valueSerde: table.valueSerde.rawValue,
                    store: store)
                declared.append(
                    .init(
                        Topology.Node(name: table.name, kind: .globalTable(global), parents: []),
                        at: .init("topology.tables[\(index)]", line: table.line)))
                continue
            }
            declared.append(
                .init(
                    Topology.Node(name: table.name, kind: .tableSource(source, store), parents: []),
                    at: .init("topology.tables[\(index)]", line: table.line)))
        }
        for (index, processor) in spec.processors.enumerated() {
            declared += try NodeCompiler(config: config, plugins: plugins, spec: processor, index: index).nodes()
        }
        for (index, sink) in spec.sinks.enumerated() {
            let kind = Topology.Kind.sink(
                Topology.Sink(topic: sink.topic, keySerde: sink.keySerde.rawValue, valueSerde: sink.valueSerde.rawValue)
            )
            declared.append(
                .init(
                    Topology.Node(name: sink.name, kind: kind, parents: sink.inputs),
                    at: .init("topology.sinks[\(index)]", line: sink.line)))
        }
        return declared
    }

    /// A global table is read only as the right input of a join with a stream (by store name,
    /// on every worker): no other node may take it as an input.
    private func checkGlobalTableInputs() throws(AppConfigError) {
        let globals = Set(config.topology.tables.filter(\.global).map(\.name))
        guard !globals.isEmpty else { return }
        func refuse(_ key: String, _ line: Int?, _ name: String) -> AppConfigError {
            AppConfigError(
                file: config.file, line: line, key: key,
                message:
                    "'\(name)' is a global table, which only a join reads, as its right input — e.g. `{type: join, inputs: [orders, \(name)], key.field: shop}`"
            )
        }
        for (index, processor) in config.topology.processors.enumerated() {
            let allowed: Set<Int> = if case .join = processor.kind { [1] } else { [] }
            for (position, input) in processor.inputs.enumerated()
            where globals.contains(input) && !allowed.contains(position) {
                throw refuse("topology.processors[\(index)].inputs", processor.line, input)
            }
        }
        for (index, sink) in config.topology.sinks.enumerated() {
            if let input = sink.inputs.first(where: globals.contains) {
                throw refuse("topology.sinks[\(index)].inputs", sink.line, input)
            }
        }
    }

    /// A source's timestamp extractor is a stream function of kind `timestampExtractor`.
    func checkExtractor(_ timestamp: Topology.Timestamp, key: String, line: Int?) throws(AppConfigError) {
        guard case .extractor(let function) = timestamp else { return }
        let exported = plugins[function.plugin]?.description.streamFunctions ?? []
        guard let found = exported.first(where: { $0.name == function.node }) else {
            let extractors = exported.filter { $0.kind == .timestampExtractor }.map(\.name)
            throw AppConfigError(
                file: config.file, line: line, key: key,
                message:
                    "plugin \(function.plugin) exports no stream function \(function.node) (its timestamp extractors: \(extractors.isEmpty ? "none" : extractors.joined(separator: ", "))) — export one with StreamFunction.timestampExtractor"
            )
        }
        guard found.kind == .timestampExtractor else {
            throw AppConfigError(
                file: config.file, line: line, key: key,
                message:
                    "\(function.plugin).\(function.node) is a \(found.kind) stream function, not a timestampExtractor")
        }
    }
}

/// Compiles one YAML processor node: resolves the functions it calls (a plugin's stream
/// function of the right kind, or a typed function whose signature fits).
private struct NodeCompiler {
    let config: AppConfig
    let plugins: [String: LoadedPlugin]
    let spec: ProcessorSpec
    let index: Int

    var key: String { "topology.processors[\(index)]" }

    func nodes() throws(AppConfigError) -> [Topology.DeclaredNode] {
        let p = spec
        switch p.kind {
        case .plugin(let plugin, let processor, let config):
            return [node(.processor(plugin: plugin, processor: processor, config: config))]
        case .filter(let call):
            if let function = try streamFunction(call, [.filter], for: "filter") {
                return [node(.function(function, .filter(negate: false, table: false)))]
            }
            try checkArity(try typedFunction(call), call)
            return [node(.builtin(.filter(call)))]
        case .mapValues(let call, let outputField):
            if let function = try streamFunction(call, [.mapValues], for: "map_values") {
                guard outputField == nil else {
                    throw fail("output.field", "a stream function gives the whole new value — remove `output.field:`")
                }
                return [node(.function(function, .mapValues(table: false)))]
            }
            try checkArity(try typedFunction(call), call)
            guard let outputField else {
                throw fail(
                    "output.field",
                    "is required — the JSON field the typed function's result is written to, e.g. `output.field: risk`")
            }
            return [node(.builtin(.mapValues(call, outputField: outputField)))]
        case .selectKey(let field, let function):
            return [try keySelector(field: field, function: function, name: p.name, parents: p.inputs)]
        case .groupBy(let field, let function, let partitions):
            let selectorName = "\(p.name)-key"
            let selector = try keySelector(field: field, function: function, name: selectorName, parents: p.inputs)
            return [selector, node(.repartition(partitions: partitions), parents: [selectorName])]
        case .map(let call):
            return [node(.function(try requireStream(call, [.map], for: "map"), .map))]
        case .flatMap(let call):
            return [node(.function(try requireStream(call, [.flatMap], for: "flat_map"), .flatMap))]
        case .flatMapValues(let call):
            return [node(.function(try requireStream(call, [.flatMapValues], for: "flat_map_values"), .flatMapValues))]
        case .peek(let call):
            return [node(.function(try requireStream(call, [.peek, .foreach], for: "peek"), .peek))]
        case .foreach(let call):
            return [node(.function(try requireStream(call, [.peek, .foreach], for: "foreach"), .foreach))]
        case .branch(let branches):
            try checkBranches(branches)
            let outputs = branches.map { node(.passthrough, name: $0.name, parents: [p.name]) }
            return [node(.builtin(.branch(branches.map { JSONBranch(name: $0.name, function: $0.function) })))]
                + outputs
        case .merge:
            return [node(.passthrough)]
        case .repartition(let partitions):
            return [node(.repartition(partitions: partitions))]
        case .count(let store, let windowing):
            return try aggregation(.count, store: store, value: "i64", windowing)
        case .aggregate(let aggregation):
            return try aggregate(aggregation)
        case .join(let join):
            // A stream whose key changed on the way (select_key, map, flat_map, a plugin
            // processor) is repartitioned by its key first, as Kafka Streams does — unless
            // it joins a global table, which every task holds whole.
            let joinsGlobal =
                p.inputs.count == 2 && config.topology.tables.contains { $0.global && $0.name == p.inputs[1] }
            let rekeyed = joinsGlobal ? [] : p.inputs.enumerated().filter { keyMayHaveChanged(above: $0.element) }
            let repartitions = rekeyed.map { side, input in
                node(.repartition(partitions: nil), name: "\(p.name)-\(side == 0 ? "left" : "right")", parents: [input])
            }
            var inputs = p.inputs
            for (repartition, (side, _)) in zip(repartitions, rekeyed) { inputs[side] = repartition.node.name }
            return repartitions + (try self.join(join, inputs: inputs))
        }
    }

    /// A join of `inputs[0]` with `inputs[1]`: two streams (with `window:`), a stream and a
    /// table, or two tables, joined by the JSON merge.
    /// Whether records reaching `input` may have been re-keyed since they were last
    /// partitioned (read from a topic or repartitioned).
    private func keyMayHaveChanged(above input: String) -> Bool {
        var seen: Set<String> = []
        var stack = [input]
        while let name = stack.popLast() {
            guard seen.insert(name).inserted,
                let processor = config.topology.processors.first(where: { $0.name == name })
            else { continue }
            switch processor.kind {
            case .selectKey, .map, .flatMap, .plugin: return true
            case .repartition, .groupBy, .count, .aggregate, .join: continue
            default: stack.append(contentsOf: processor.inputs)
            }
        }
        return false
    }

    private func join(_ join: JoinSpec, inputs: [String]) throws(AppConfigError) -> [Topology.DeclaredNode] {
        var p = spec
        p.inputs = inputs
        guard p.inputs.count == 2, p.inputs[0] != p.inputs[1] else {
            throw fail(
                "inputs",
                "a join reads two different inputs, the left and then the right, e.g. `inputs: [clicks, users]`")
        }
        let tables = Dictionary(config.topology.tables.map { ($0.name, $0) }) { first, _ in first }
        let (leftTable, rightTable) = (tables[p.inputs[0]], tables[p.inputs[1]])
        let joiner = try self.joiner(join.joiner)
        if leftTable?.global == true {
            throw fail(
                "inputs",
                "'\(p.inputs[0])' is a global table, which only the right input of a join with a stream can be — e.g. `inputs: [orders, \(p.inputs[0])]`"
            )
        }
        if let global = rightTable, global.global {
            return [try globalJoin(join, global: global, joiner: joiner, inputs: p.inputs)]
        }
        if let selector = join.keySelector {
            throw fail(
                Self.fieldKey(selector),
                "only a join with a global table picks the table's key from the record; '\(p.inputs[1])' is not one — remove it"
            )
        }
        if let foreignKey = join.foreignKey {
            guard let left = leftTable, let right = rightTable else {
                throw fail(
                    Self.foreignKeyName(foreignKey),
                    "a foreign-key join reads two tables (`tables:`), the left one's values naming the right one's keys; '\(leftTable == nil ? p.inputs[0] : p.inputs[1])' is not a table"
                )
            }
            guard join.type != .outer else {
                throw fail("join", "a foreign-key join is inner or left (Kafka Streams has no outer one)")
            }
            let extractor = try keySelector(foreignKey, key: "foreign.key.function")
            return Topology.foreignKeyJoinSteps(
                name: p.name, left: left.name, right: right.name, leftStore: left.store, rightStore: right.store,
                type: join.type,
                extractor: extractor, joiner: joiner
            ).map { .init($0, at: .init(key, line: spec.line)) }
        }
        let shape: Topology.Join.Shape
        switch (leftTable?.store, rightTable?.store) {
        case (nil, nil):
            guard let windows = join.windows else {
                throw fail(
                    "window",
                    "is required to join two streams — how far apart two records may be, e.g. `window: {difference.ms: 10000}`"
                )
            }
            let size = windows.before + windows.after
            func store(_ suffix: String, _ kind: StoreDeclaration.Kind) -> StoreDeclaration {
                StoreDeclaration(
                    name: "\(p.name)-\(suffix)", kind: kind, keySerde: "bytes", valueSerde: "bytes", changelog: true,
                    retentionMs: kind == .window ? size + windows.grace : 0, windowSizeMs: kind == .window ? size : 0)
            }
            shape = .streamStream(
                windows, thisStore: store("this-store", .window), otherStore: store("other-store", .window),
                outerStore: join.type == .inner ? nil : store("outer-store", .keyValue))
        case (nil, let table?):
            guard join.windows == nil else {
                throw fail(
                    "window", "only a join of two streams has windows; '\(p.inputs[1])' is a table — remove `window:`")
            }
            guard join.type != .outer else {
                throw fail("join", "a stream-table join is inner or left (Kafka Streams has no outer one)")
            }
            shape = .streamTable(table: table)
        case (let left?, let right?):
            guard join.windows == nil else {
                throw fail(
                    "window", "only a join of two streams has windows; these inputs are tables — remove `window:`")
            }
            shape = .tableTable(left: left, right: right)
        case (_?, nil):
            throw fail(
                "inputs",
                "the left input '\(p.inputs[0])' is a table and the right '\(p.inputs[1])' a stream — put the stream first: `inputs: [\(p.inputs[1]), \(p.inputs[0])]`"
            )
        }
        return [node(.join(Topology.Join(shape: shape, type: join.type, joiner: joiner)), parents: p.inputs)]
    }

    /// A stream–global table join: the stream (`inputs[0]`) picks each record's table key
    /// with `key.field:` or `key.function:`; it reads the global store by name, so its only
    /// parent is the stream.
    private func globalJoin(_ join: JoinSpec, global: TableSpec, joiner: Topology.Join.Joiner, inputs: [String])
        throws(AppConfigError) -> Topology.DeclaredNode
    {
        guard join.windows == nil else {
            throw fail(
                "window",
                "only a join of two streams has windows; '\(global.name)' is a global table — remove `window:`")
        }
        guard join.type != .outer else {
            throw fail("join", "a stream-global table join is inner or left (Kafka Streams has no outer one)")
        }
        if let foreignKey = join.foreignKey {
            throw fail(
                Self.foreignKeyName(foreignKey),
                "a stream-global table join picks the table's key with `key.field:` or `key.function:` — rename it")
        }
        guard let selector = join.keySelector else {
            throw fail(
                "key.field",
                "is required to join global table '\(global.name)' — how a record picks the table's key: `key.field: shop` (a JSON field of the value) or `key.function: Plugin.name` (a select_key stream function)"
            )
        }
        let shape = Topology.Join.Shape.streamGlobalTable(
            global: global.store, keySelector: try keySelector(selector, key: "key.function"))
        return node(.join(Topology.Join(shape: shape, type: join.type, joiner: joiner)), parents: [inputs[0]])
    }

    /// A key selector as the topology form takes it: a JSON field path, or a plugin's
    /// `select_key` stream function (named under `key`).
    private func keySelector(_ spec: KeySelectorSpec, key: String) throws(AppConfigError) -> Topology.Join.KeySelector {
        switch spec {
        case .field(let path): return .jsonField(path)
        case .function(let call):
            guard let function = try streamFunction(call, [.selectKey], for: "key selector", field: key) else {
                throw fail(key, try missingStreamFunction(call, kind: "selectKey"))
            }
            return .function(function)
        }
    }

    /// `joiner: Plugin.name` (a joiner stream function), or the JSON merge.
    private func joiner(_ call: FunctionCall?) throws(AppConfigError) -> Topology.Join.Joiner {
        guard let call else { return .jsonMerge }
        guard let function = try streamFunction(call, [.joiner], for: "join's joiner", field: "joiner") else {
            throw fail("joiner", try missingStreamFunction(call, kind: "joiner"))
        }
        return .function(function)
    }

    /// Why `call` names no stream function, for `key`'s error.
    private func missingStreamFunction(_ call: FunctionCall, kind: String) throws(AppConfigError) -> String {
        guard let plugin = plugins[call.plugin] else { return "plugin '\(call.plugin)' is not loaded" }
        let exported = plugin.description.streamFunctions.map(\.name)
        return
            "plugin \(call.plugin) exports no stream function \(call.function) (it exports: \(exported.isEmpty ? "none" : exported.joined(separator: ", "))) — export one with StreamFunction.\(kind)"
    }

    private static func fieldKey(_ spec: KeySelectorSpec) -> String {
        if case .field = spec { return "key.field" }
        return "key.function"
    }

    private static func foreignKeyName(_ spec: KeySelectorSpec) -> String {
        if case .field = spec { return "foreign.key.field" }
        return "foreign.key.function"
    }

    // MARK: - Private

    private func fail(_ field: String, _ message: String) -> AppConfigError {
        AppConfigError(file: config.file, line: spec.line, key: "\(key).\(field)", message: message)
    }

    private func node(_ kind: Topology.Kind, name: String? = nil, parents: [String]? = nil) -> Topology.DeclaredNode {
        .init(
            Topology.Node(name: name ?? spec.name, kind: kind, parents: parents ?? spec.inputs),
            at: .init(key, line: spec.line))
    }

    /// An aggregation's node (named as the YAML node, or `<name>-aggregate` when a
    /// suppression follows it under the YAML node's name), with its store: a key-value store
    /// without windows; a window store (values `timestamped:<serde>`) for time and sliding
    /// windows, kept the windows' size plus grace (sliding: twice the difference plus grace);
    /// a session store, kept the gap plus grace. `stores[].retention.ms` overrides the retention.
    private func aggregation(
        _ fold: Topology.Aggregation.Fold, store name: String, value: String, _ windowing: WindowingSpec
    ) throws(AppConfigError) -> [Topology.DeclaredNode] {
        let store: StoreDeclaration
        switch windowing.window?.kind {
        case nil:
            store = StoreDeclaration(
                name: name, kind: .keyValue, keySerde: "bytes", valueSerde: value, changelog: true, retentionMs: 0,
                windowSizeMs: 0)
        case .time(let size, _)?:
            store = StoreDeclaration(
                name: name, kind: .window, keySerde: "bytes", valueSerde: "timestamped:\(value)", changelog: true,
                retentionMs: size + windowing.window!.grace, windowSizeMs: size)
        case .sliding(let difference)?:
            store = StoreDeclaration(
                name: name, kind: .window, keySerde: "bytes", valueSerde: "timestamped:\(value)", changelog: true,
                retentionMs: 2 * difference + windowing.window!.grace, windowSizeMs: difference)
        case .session(let gap)?:
            store = StoreDeclaration(
                name: name, kind: .session, keySerde: "bytes", valueSerde: value, changelog: true,
                retentionMs: gap + windowing.window!.grace, windowSizeMs: 0)
        }
        let aggregation = Topology.Aggregation(fold: fold, store: store, window: windowing.window)
        guard let suppress = windowing.suppress else { return [node(.aggregate(aggregation))] }
        let aggregateName = "\(spec.name)-aggregate"
        let buffer = StoreDeclaration(
            name: "\(spec.name)-suppress-store", kind: .keyValue, keySerde: "bytes", valueSerde: "bytes",
            changelog: true,
            retentionMs: 0, windowSizeMs: 0)
        let suppression = Topology.Suppression(
            until: suppress.until, maxRecords: suppress.maxRecords, maxBytes: suppress.maxBytes,
            emitEarlyWhenFull: suppress.emitEarlyWhenFull,
            window: windowing.window, store: buffer)
        return [
            node(.aggregate(aggregation), name: aggregateName), node(.suppress(suppression), parents: [aggregateName]),
        ]
    }

    /// The stream function `call` names, if the plugin exports one by that name; it must be of
    /// `kinds` (errors name `field`).
    private func streamFunction(
        _ call: FunctionCall, _ kinds: [TopologyNode.Kind], for type: String, field: String = "function"
    ) throws(AppConfigError) -> Topology.PluginFunction? {
        guard let found = plugins[call.plugin]?.description.streamFunction(named: call.function) else { return nil }
        guard kinds.contains(found.kind) else {
            throw fail(
                field,
                "\(call.plugin).\(call.function) is a \(found.kind) stream function, but a \(type) node calls a \(kinds.map { "\($0)" }.joined(separator: " or ")) function"
            )
        }
        guard call.fields.isEmpty else {
            throw fail(
                "fields",
                "\(call.plugin).\(call.function) is a stream function, which reads the whole record — remove `fields:`")
        }
        return Topology.PluginFunction(plugin: call.plugin, node: call.function, place: .streamFunction)
    }

    /// The typed function `call` names.
    private func typedFunction(_ call: FunctionCall, field: String = "function") throws(AppConfigError)
        -> TypedFunctionCaller
    {
        guard let plugin = plugins[call.plugin] else { throw fail(field, "plugin '\(call.plugin)' is not loaded") }
        do {
            return try plugin.function(named: call.function)
        } catch {
            let streams = plugin.description.streamFunctions.map(\.name)
            throw fail(
                field, "\(error)\(streams.isEmpty ? "" : "; stream functions: \(streams.joined(separator: ", "))")")
        }
    }

    /// The stream function `call` names, which a node of `type` needs.
    private func requireStream(_ call: FunctionCall, _ kinds: [TopologyNode.Kind], for type: String)
        throws(AppConfigError) -> Topology.PluginFunction
    {
        if let function = try streamFunction(call, kinds, for: type) { return function }
        if plugins[call.plugin]?.functions[call.function] != nil {
            throw fail(
                "function",
                "\(call.plugin).\(call.function) is a typed function; a \(type) node calls a stream function (export one with StreamFunction.\(kinds[0]))"
            )
        }
        let exported = plugins[call.plugin]?.description.streamFunctions.map(\.name) ?? []
        throw fail(
            "function",
            "plugin \(call.plugin) exports no stream function \(call.function) (it exports: \(exported.isEmpty ? "none" : exported.joined(separator: ", ")))"
        )
    }

    private func checkArity(_ caller: TypedFunctionCaller, _ call: FunctionCall) throws(AppConfigError) {
        guard caller.signature.arguments.count == call.fields.count else {
            throw fail(
                "fields",
                "\(call.plugin).\(call.function) takes \(caller.signature.arguments.count) arguments (\(caller.signature)) but \(call.fields.count) fields are given"
            )
        }
    }

    /// A `select_key` (or `group_by`'s re-keying): by a JSON field, or by a stream function.
    private func keySelector(field: String?, function: FunctionCall?, name: String, parents: [String])
        throws(AppConfigError) -> Topology.DeclaredNode
    {
        if let field { return node(.builtin(.selectKey(field: field)), name: name, parents: parents) }
        return node(
            .function(try requireStream(function!, [.selectKey], for: "select_key"), .selectKey), name: name,
            parents: parents)
    }

    /// Every branch but the last calls a bool typed function of its fields; the last may call none.
    private func checkBranches(_ branches: [BranchSpec]) throws(AppConfigError) {
        for (position, branch) in branches.enumerated() {
            let field = "branches[\(position)].function"
            guard let call = branch.function else {
                guard position == branches.count - 1 else {
                    throw fail(
                        field,
                        "only the last branch may go without a function (it takes the records no other branch took)")
                }
                continue
            }
            let caller = try typedFunction(call, field: field)
            guard caller.signature.arguments.count == call.fields.count, caller.signature.returnType == .bool else {
                throw fail(
                    field,
                    "\(call.plugin).\(call.function) is \(caller.signature), but a branch needs a bool function of its \(call.fields.count) fields"
                )
            }
        }
    }

    /// `reduce` or `aggregate`: a stream function, or a typed function over a JSON field.
    private func aggregate(_ aggregation: AggregationSpec) throws(AppConfigError) -> [Topology.DeclaredNode] {
        let type = aggregation.operation.rawValue
        let isReduce = aggregation.operation == .reduce
        if let function = try streamFunction(aggregation.function, [isReduce ? .reduce : .aggregate], for: type) {
            guard aggregation.field == nil, aggregation.initial == nil else {
                throw fail(
                    aggregation.field != nil ? "field" : "initial",
                    "a stream function reads the whole record and starts its own aggregate — remove `field:` and `initial:`"
                )
            }
            if case .session? = aggregation.windowing.window?.kind,
                plugins[function.plugin]?.description.streamFunction(named: function.node)?.hasMerge != true
            {
                throw fail(
                    "window",
                    "session windows merge the aggregates of sessions a record bridges, and \(function.plugin).\(function.node) has no merger — give StreamFunction.aggregate a `merger:`"
                )
            }
            return try self.aggregation(
                .function(function, reduce: isReduce), store: aggregation.store, value: "bytes", aggregation.windowing)
        }
        let call = aggregation.function
        let signature = try typedFunction(call).signature
        guard signature.arguments.count == 2, let result = signature.returnType, result == signature.arguments[0] else {
            throw fail(
                "function",
                "\(call.plugin).\(call.function) is \(signature), but \(type) needs (current, value) -> current, e.g. f64(f64,f64)"
            )
        }
        guard let field = aggregation.field else {
            throw fail("field", "is required — the JSON field passed to the typed function, e.g. `field: amount`")
        }
        guard isReduce || aggregation.initial != nil else {
            throw fail(
                "initial",
                "is required — the aggregate of a key before its first record, as JSON, e.g. `initial: \"0\"`")
        }
        if case .session? = aggregation.windowing.window?.kind, signature.arguments[1] != signature.arguments[0] {
            throw fail(
                "window",
                "session windows merge two sessions' aggregates with \(call.plugin).\(call.function)(a, b), which needs both arguments of one type, but it is \(signature)"
            )
        }
        let typed = AggregateSpec(
            operation: aggregation.operation, store: aggregation.store, function: call, field: field,
            initial: aggregation.initial)
        return try self.aggregation(.typed(typed), store: aggregation.store, value: "json", aggregation.windowing)
    }
}
