import EddyEngine
import EddyHost
import EddyIsolation
import EddyPlugins
import Foundation
import Synchronization

/// The plugins an application uses, loaded from `plugins.dir` and checked against the
/// topology: every processor and typed function it names exists, and every processor's
/// config is valid. It also keeps every build ever loaded (an image is never unloaded), so
/// that a reload can be rolled back.
public final class PluginSet: Sendable {
    struct State {
        var current: [String: LoadedPlugin]
        /// Every build loaded, per plugin, oldest first; the current one among them.
        var history: [String: [LoadedPlugin]]
        /// Why the last reload of a plugin was refused, if it was.
        var lastError: [String: String] = [:]
    }

    let state: Mutex<State>
    /// Reloads refused since the start (the running build stayed).
    let refusals = Atomic<Int>(0)
    let loader: PluginLoader
    /// Loads the plugins with `isolation: process` (nil when none has it).
    let isolatedLoader: IsolatedPluginLoader?
    let isolation: PluginIsolationConfig

    init(
        plugins: [String: LoadedPlugin], loader: PluginLoader, isolatedLoader: IsolatedPluginLoader?,
        isolation: PluginIsolationConfig
    ) {
        state = Mutex(State(current: plugins, history: plugins.mapValues { [$0] }))
        self.loader = loader
        self.isolatedLoader = isolatedLoader
        self.isolation = isolation
    }

    /// Loads a build of the plugin the topology calls `name`: into this process, or, under
    /// `isolation: process`, through an `eddy plugin-host` child that checks and describes it.
    func loadBuild(_ path: String, as name: String) throws -> LoadedPlugin {
        if let isolatedLoader, isolation.isolation(of: name) == .process {
            return try isolatedLoader.load(path, as: name)
        }
        return try loader.load(path)
    }

    /// The builds in use, by the name the topology uses.
    public var plugins: [String: LoadedPlugin] { state.withLock { $0.current } }

    /// Loads every plugin the application file names (its topology plugin, and those of its
    /// nodes' processors and functions) and checks that every processor a node runs exists
    /// and takes the node's config. Functions are checked when the topology is built.
    public static func load(for config: AppConfig) throws -> PluginSet {
        let cacheDirectory = URL(fileURLWithPath: config.stateDir).appendingPathComponent(".plugin-cache").path
        let loader = PluginLoader(pluginDirectory: config.pluginsDir, cacheDirectory: cacheDirectory)
        let isolation = config.pluginIsolation
        let isolatedLoader =
            isolation.isolated.isEmpty
            ? nil
            : IsolatedPluginLoader(
                pluginDirectory: config.pluginsDir, cacheDirectory: cacheDirectory, timeoutMs: isolation.timeoutMs,
                executable: isolation.hostExecutable ?? IsolatedPluginLoader.currentExecutable)
        let set = PluginSet(plugins: [:], loader: loader, isolatedLoader: isolatedLoader, isolation: isolation)
        var plugins: [String: LoadedPlugin] = [:]
        /// The first processor node using each store, and whether its plugin is isolated.
        var storeUsers: [String: (node: String, isolated: Bool)] = [:]
        func plugin(_ name: String, key: String, line: Int?) throws -> LoadedPlugin {
            if let loaded = plugins[name] { return loaded }
            guard let path = locate(name, in: config.pluginsDir) else {
                throw AppConfigError(
                    file: config.file, line: line, key: key,
                    message:
                        "plugin '\(name)' not found in plugins.dir \(config.pluginsDir) (looked for lib\(name).so and \(name).so) — build it or fix plugins.dir"
                )
            }
            let loaded = try set.loadBuild(path, as: name)
            plugins[name] = loaded
            return loaded
        }
        if let name = config.topology.plugin {
            _ = try plugin(name, key: "topology.plugin", line: config.topology.pluginLine)
        }
        for (index, source) in config.topology.sources.enumerated() {
            if case .extractor(let function) = source.timestamp {
                _ = try plugin(
                    function.plugin, key: "topology.sources[\(index)].timestamp.extractor", line: source.line)
            }
        }
        if case .extractor(let function) = config.defaultTimestamp {
            _ = try plugin(function.plugin, key: "default.timestamp.extractor", line: nil)
        }
        for (index, processor) in config.topology.processors.enumerated() {
            let key = "topology.processors[\(index)]"
            guard case .plugin(let name, let processorName, let given) = processor.kind else {
                for (call, field) in processor.kind.functionCalls {
                    _ = try plugin(call.plugin, key: "\(key).\(field)", line: processor.line)
                }
                continue
            }
            let loaded = try plugin(name, key: "\(key).plugin", line: processor.line)
            guard let description = loaded.processor(named: processorName) else {
                let known = loaded.description.processors.map(\.name).joined(separator: ", ")
                throw AppConfigError(
                    file: config.file, line: processor.line, key: "\(key).processor",
                    message: "plugin '\(name)' has no processor '\(processorName)' (it offers: \(known))")
            }
            do {
                _ = try ConfigResolver.resolve(given, for: processorName, declared: description.config)
            } catch {
                throw AppConfigError(file: config.file, line: processor.line, key: "\(key).config", message: "\(error)")
            }
            for store in description.stores {
                if let other = storeUsers[store.name], isolation.isolation(of: name) == .process || other.isolated {
                    throw AppConfigError(
                        file: config.file, line: processor.line, key: "\(key).processor",
                        message:
                            "nodes '\(other.node)' and '\(processor.name)' both use store '\(store.name)', and one runs an isolated plugin — an isolated processor keeps what it read of its stores, so it must be their only user; give each node a processor with a store of its own, or run the plugin in_process"
                    )
                }
                storeUsers[store.name] = (processor.name, isolation.isolation(of: name) == .process)
            }
        }
        for name in isolation.isolated.sorted() where plugins[name] == nil {
            throw AppConfigError(
                file: config.file, line: nil, key: "plugins.\(name)",
                message:
                    "the topology runs no processor of a plugin '\(name)' (its processor nodes use: \(plugins.keys.sorted().joined(separator: ", "))) — fix the name or remove the entry"
            )
        }
        return PluginSet(plugins: plugins, loader: loader, isolatedLoader: isolatedLoader, isolation: isolation)
    }

    /// `lib<Name>.so`, `<Name>.so` or `<Name>` itself inside `directory`.
    static func locate(_ name: String, in directory: String) -> String? {
        fileNames(of: name).map { URL(fileURLWithPath: directory).appendingPathComponent($0).path }
            .first { FileManager.default.fileExists(atPath: $0) }
    }

    /// The file names a plugin named `name` in the topology may have in `plugins.dir`.
    static func fileNames(of name: String) -> [String] {
        name.hasSuffix(".so") ? [name] : ["lib\(name).so", "\(name).so"]
    }
}

extension PluginSet {
    /// The stores each plugin processor node declares, for descriptions.
    public func storesByNode(_ topology: Topology) -> [String: [String]] {
        var result: [String: [String]] = [:]
        for sub in topology.subTopologies {
            for node in sub.nodes {
                guard case .processor(let plugin, let processor, _) = node.kind,
                    let description = plugins[plugin]?.processor(named: processor)
                else { continue }
                result[node.name] = description.stores.map(\.name)
            }
        }
        return result
    }
}
