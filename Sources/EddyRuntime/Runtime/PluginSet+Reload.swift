import EddyEngine
import EddyHost
import EddyPlugins
import EddySDK
import Foundation

/// What a reload needs to know and to check before any thread changes anything.
extension PluginSet {
    /// A build of a plugin that passed every check against the running topology.
    public struct Candidate: Sendable {
        public let name: String
        public let plugin: LoadedPlugin
    }

    /// Loads `file` (or the plugin's file in `plugins.dir`) and checks it can replace the
    /// running build of `name`: the ABI and toolchain (the loader's checks), every processor
    /// and typed function the topology uses still there with valid config and the same
    /// arity, and every store declared with the same name, kind and serdes (and, for window
    /// stores, the same window size and retention).
    ///
    /// - Returns: nil when the file is the build already running.
    public func candidate(_ name: String, file: String?, config: AppConfig, topology: Topology) throws -> Candidate? {
        guard let current = plugins[name] else {
            throw ReloadError(
                plugin: name,
                reason:
                    "the topology uses no plugin '\(name)' (it uses: \(plugins.keys.sorted().joined(separator: ", ")))")
        }
        guard let path = file ?? Self.locate(name, in: config.pluginsDir) else {
            throw ReloadError(plugin: name, reason: "no file for it in plugins.dir \(config.pluginsDir)")
        }
        let plugin: LoadedPlugin
        do {
            plugin = try loadBuild(path, as: name)
        } catch {
            throw ReloadError(plugin: name, reason: "\(error)")
        }
        guard plugin.sha256 != current.sha256 else { return nil }
        try Self.checkCompatible(
            name, plugin, replacing: current, topology: topology, runsItsTopology: config.topology.plugin == name)
        try Self.trialInit(name, plugin, config: config, topology: topology)
        // A build loaded before is the same image (content-addressed): keep one record of it.
        let known = state.withLock { $0.history[name]?.first { $0.sha256 == plugin.sha256 } }
        return Candidate(name: name, plugin: known ?? plugin)
    }

    /// The build that ran before the current one, for a rollback.
    public func previous(_ name: String) throws -> Candidate {
        try state.withLock { state in
            guard let current = state.current[name], let history = state.history[name],
                let index = history.lastIndex(where: { $0 === current }), index > 0
            else { throw ReloadError(plugin: name, reason: "there is no earlier build to roll back to") }
            return Candidate(name: name, plugin: history[index - 1])
        }
    }

    /// Makes `candidate` the current build (after every thread swapped to it).
    func adopt(_ candidate: Candidate) {
        state.withLock { state in
            state.current[candidate.name] = candidate.plugin
            if !(state.history[candidate.name] ?? []).contains(where: { $0 === candidate.plugin }) {
                state.history[candidate.name, default: []].append(candidate.plugin)
            }
            state.lastError[candidate.name] = nil
        }
    }

    func refused(_ name: String, _ reason: String) {
        refusals.add(1, ordering: .relaxed)
        state.withLock { $0.lastError[name] = reason }
    }

    /// Each plugin's current build, the builds held in memory and what they cost.
    public func status() -> [PluginStatus] {
        state.withLock { state in
            state.current.keys.sorted().map { name in
                let history = state.history[name] ?? []
                return PluginStatus(
                    name: name, current: PluginVersion(state.current[name]!), loaded: history.map(PluginVersion.init),
                    mappedBytes: history.reduce(0) { $0 + Self.mappedBytes(of: $1) }, lastError: state.lastError[name])
            }
        }
    }

    // MARK: - Checks

    static func checkCompatible(
        _ name: String, _ new: LoadedPlugin, replacing old: LoadedPlugin, topology: Topology, runsItsTopology: Bool
    ) throws {
        if runsItsTopology, let oldNodes = old.description.topology {
            if let change = TopologyShape.change(from: oldNodes, to: new.description.topology ?? []) {
                throw ReloadError(
                    plugin: name,
                    reason:
                        "the new build's topology has another shape: \(change) — a topology keeps its nodes, stores, topics and serdes across a reload; restart the application with the new build"
                )
            }
        }
        for node in topology.nodes {
            switch node.kind {
            case .processor(let plugin, let processor, let config) where plugin == name:
                guard let newProcessor = new.processor(named: processor) else {
                    throw ReloadError(
                        plugin: name,
                        reason:
                            "the new build has no processor '\(processor)', which node '\(node.name)' runs (it offers: \(new.description.processors.map(\.name).joined(separator: ", ")))"
                    )
                }
                let oldStores = old.processor(named: processor)?.stores ?? []
                for store in oldStores where !newProcessor.stores.contains(where: { Self.declaresAlike($0, store) }) {
                    let now =
                        newProcessor.stores.first { $0.name == store.name }.map { Self.describe($0) } ?? "no such store"
                    throw ReloadError(
                        plugin: name,
                        reason:
                            "processor '\(processor)' declares store \(Self.describe(store)) in the running build but \(now) in the new one — stores must keep their name, kind and serdes\(Self.layoutRule(store.kind))"
                    )
                }
                for store in newProcessor.stores where !oldStores.contains(where: { $0.name == store.name }) {
                    throw ReloadError(
                        plugin: name,
                        reason:
                            "processor '\(processor)' declares store \(Self.describe(store)) in the new build but not in the running one — a new store is created (and its changelog topic) only when the application starts; restart it with the new build"
                    )
                }
                do {
                    _ = try ConfigResolver.resolve(config, for: processor, declared: newProcessor.config)
                } catch {
                    throw ReloadError(plugin: name, reason: "node '\(node.name)': \(error)")
                }
            default:
                try checkFunctions(of: node, name, old, new)
            }
        }
    }

    /// The stream functions and typed functions `node` calls from the plugin `name` are in
    /// the new build, of the same kind and signature.
    private static func checkFunctions(of node: Topology.Node, _ name: String, _ old: LoadedPlugin, _ new: LoadedPlugin)
        throws
    {
        for function in node.kind.pluginFunctions where function.plugin == name && function.isStreamFunction {
            let before = old.description.streamFunction(named: function.node)
            guard let after = new.description.streamFunction(named: function.node), after.hasFunction else {
                throw ReloadError(
                    plugin: name,
                    reason: "the new build has no stream function '\(function.node)', which node '\(node.name)' calls")
            }
            guard after.kind == before?.kind else {
                throw ReloadError(
                    plugin: name,
                    reason:
                        "stream function '\(function.node)' is a \(before.map { "\($0.kind)" } ?? "?") function in the running build but a \(after.kind) function in the new one"
                )
            }
        }
        for call in node.kind.typedFunctionCalls where call.plugin == name {
            do {
                let caller = try new.function(named: call.function)
                let before = try old.function(named: call.function)
                guard caller.signature == before.signature else {
                    throw ReloadError(
                        plugin: name,
                        reason:
                            "typed function \(call.function) changed its signature from \(before.signature) to \(caller.signature)"
                    )
                }
            } catch let error as ReloadError {
                throw error
            } catch {
                throw ReloadError(plugin: name, reason: "node '\(node.name)': \(error)")
            }
        }
    }

    /// Starts and closes one instance of every processor the topology runs from the new build,
    /// over scratch in-memory stores, so that a build whose `init` fails is refused even when
    /// no task of that processor is assigned at the moment of the reload.
    static func trialInit(_ name: String, _ new: LoadedPlugin, config: AppConfig, topology: Topology) throws {
        for node in topology.nodes {
            guard case .processor(let plugin, let processor, let given) = node.kind, plugin == name,
                let description = new.processor(named: processor)
            else { continue }
            let stores = description.stores.map { declaration in
                switch declaration.kind {
                case .keyValue: HostStore(name: declaration.name, storage: .keyValue(InMemoryKeyValueStore()))
                case .window:
                    HostStore(
                        name: declaration.name,
                        storage: .window(InMemoryWindowStore(windowSize: declaration.windowSizeMs)))
                case .session: HostStore(name: declaration.name, storage: .session(InMemorySessionStore()))
                }
            }
            do {
                let resolved = try ConfigResolver.resolve(given, for: processor, declared: description.config)
                let context = HostContext(
                    taskId: "trial", applicationId: config.applicationId, config: resolved, stores: stores)
                try ProcessorInstance(processor: description.entry, context: context).close()
            } catch {
                throw ReloadError(plugin: name, reason: "init of the new build failed: \(error)")
            }
        }
    }

    /// Whether two declarations are of the same store: name, kind, serdes, a window store's
    /// window size and retention and a session store's retention, what its data on disk and
    /// in its changelog depend on.
    static func declaresAlike(_ a: StoreDeclaration, _ b: StoreDeclaration) -> Bool { describe(a) == describe(b) }

    /// What else a store of `kind` must keep across a reload, for the refusal's message.
    static func layoutRule(_ kind: StoreDeclaration.Kind) -> String {
        switch kind {
        case .keyValue: ""
        case .window: ", and window stores their window size and retention"
        case .session: ", and session stores their retention"
        }
    }

    /// `counts (keyValue, bytes -> i64)`; window stores also say their window size and
    /// retention, session stores their retention.
    static func describe(_ store: StoreDeclaration) -> String {
        let layout: String
        switch store.kind {
        case .keyValue: layout = ""
        case .window: layout = ", \(store.windowSizeMs) ms windows kept \(store.retentionMs) ms"
        case .session: layout = ", sessions kept \(store.retentionMs) ms"
        }
        return "\(store.name) (\(store.kind)\(layout), \(store.keySerde) -> \(store.valueSerde))"
    }

    /// Bytes of this process's address space mapped from a build's content-addressed copy
    /// (from `/proc/self/maps`, which names files by their canonical path).
    static func mappedBytes(of plugin: LoadedPlugin) -> Int {
        let maps = procFile("/proc/self/maps")
        let path = URL(fileURLWithPath: plugin.loadedPath).resolvingSymlinksInPath().path
        return maps.split(separator: "\n").reduce(0) { total, line in
            guard line.hasSuffix(" " + path), let dash = line.firstIndex(of: "-"), let space = line.firstIndex(of: " "),
                let start = Int(line[..<dash], radix: 16),
                let end = Int(line[line.index(after: dash)..<space], radix: 16)
            else { return total }
            return total + (end - start)
        }
    }
}

/// The text of a `/proc` file (whose size `stat` reports as 0, so it is read to the end).
func procFile(_ path: String) -> String {
    guard let file = fopen(path, "r") else { return "" }
    defer { fclose(file) }
    var data: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 * 1024)
    while true {
        let count = fread(&chunk, 1, chunk.count, file)
        guard count > 0 else { break }
        data.append(contentsOf: chunk[..<count])
    }
    return String(decoding: data, as: UTF8.self)
}

/// One plugin as `eddy plugin status` shows it.
public struct PluginStatus: Sendable, Codable {
    public let name: String
    public let current: String
    /// Every build held in memory (never unloaded), oldest first.
    public let loaded: [String]
    /// Address space mapped from those builds.
    public let mappedBytes: Int
    /// Why the last reload was refused, if it was.
    public let lastError: String?

    init(name: String, current: PluginVersion, loaded: [PluginVersion], mappedBytes: Int, lastError: String?) {
        self.name = name
        self.current = current.description
        self.loaded = loaded.map(\.description)
        self.mappedBytes = mappedBytes
        self.lastError = lastError
    }
}

/// A reload was refused: the running build stays, and this says why.
public struct ReloadError: Error, CustomStringConvertible, Sendable {
    public let plugin: String
    public let reason: String
    public var description: String { "reload of \(plugin) refused: \(reason); the running build stays" }
}
