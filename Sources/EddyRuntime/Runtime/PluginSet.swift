import EddyHost
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
    let loader: PluginLoader

    init(plugins: [String: LoadedPlugin], loader: PluginLoader) {
        state = Mutex(State(current: plugins, history: plugins.mapValues { [$0] }))
        self.loader = loader
    }

    /// The builds in use, by the name the topology uses.
    public var plugins: [String: LoadedPlugin] { state.withLock { $0.current } }

    /// Loads every plugin the topology names and validates the topology against them.
    public static func load(for config: AppConfig) throws -> PluginSet {
        let loader = PluginLoader(
            pluginDirectory: config.pluginsDir,
            cacheDirectory: URL(fileURLWithPath: config.stateDir).appendingPathComponent(".plugin-cache").path)
        var plugins: [String: LoadedPlugin] = [:]
        func fail(_ index: Int, _ key: String, _ line: Int?, _ message: String) -> AppConfigError {
            AppConfigError(file: config.file, line: line, key: "topology.processors[\(index)].\(key)", message: message)
        }
        func plugin(_ name: String, index: Int, key: String, line: Int?) throws -> LoadedPlugin {
            if let loaded = plugins[name] { return loaded }
            guard let path = locate(name, in: config.pluginsDir) else {
                throw fail(
                    index, key, line,
                    "plugin '\(name)' not found in plugins.dir \(config.pluginsDir) (looked for lib\(name).so and \(name).so) — build it or fix plugins.dir")
            }
            let loaded = try loader.load(path)
            plugins[name] = loaded
            return loaded
        }
        for (index, processor) in config.topology.processors.enumerated() {
            switch processor.kind {
            case .plugin(let name, let processorName, let given):
                let loaded = try plugin(name, index: index, key: "plugin", line: processor.line)
                guard let description = loaded.processor(named: processorName) else {
                    let known = loaded.description.processors.map(\.name).joined(separator: ", ")
                    throw fail(
                        index, "processor", processor.line,
                        "plugin '\(name)' has no processor '\(processorName)' (it offers: \(known))")
                }
                do {
                    _ = try ConfigResolver.resolve(given, for: processorName, declared: description.config)
                } catch {
                    throw fail(index, "config", processor.line, "\(error)")
                }
            case .filter(let call), .mapValues(let call, _):
                let loaded = try plugin(call.plugin, index: index, key: "function", line: processor.line)
                do {
                    let caller = try loaded.function(named: call.function)
                    guard caller.signature.arguments.count == call.fields.count else {
                        throw fail(
                            index, "fields", processor.line,
                            "\(call.plugin).\(call.function) takes \(caller.signature.arguments.count) arguments (\(caller.signature)) but \(call.fields.count) fields are given")
                    }
                } catch let error as AppConfigError {
                    throw error
                } catch {
                    throw fail(index, "function", processor.line, "\(error)")
                }
            case .aggregate(let spec):
                guard let call = spec.function else { continue }
                let loaded = try plugin(call.plugin, index: index, key: "function", line: processor.line)
                let caller: TypedFunctionCaller
                do {
                    caller = try loaded.function(named: call.function)
                } catch {
                    throw fail(index, "function", processor.line, "\(error)")
                }
                let signature = caller.signature
                guard signature.arguments.count == 2, let result = signature.returnType, result == signature.arguments[0] else {
                    throw fail(
                        index, "function", processor.line,
                        "\(call.plugin).\(call.function) is \(signature), but \(spec.operation.rawValue) needs (current, value) -> current, e.g. f64(f64,f64)")
                }
            case .selectKey, .repartition:
                continue
            }
        }
        return PluginSet(plugins: plugins, loader: loader)
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
                guard case .plugin(let plugin, let processor, _) = node.kind,
                    let description = plugins[plugin]?.processor(named: processor)
                else { continue }
                result[node.name] = description.stores.map(\.name)
            }
        }
        return result
    }
}
