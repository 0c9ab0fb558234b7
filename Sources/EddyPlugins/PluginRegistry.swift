#if canImport(Glibc)
    import Glibc
#endif

/// The plugins loaded into this host, by name and version.
///
/// One build (sha256) is registered once; two builds of the same plugin live side by side
/// under different versions. Registering a different build under a name and version that
/// are taken is refused: bump the version. Thread-safe.
public final class PluginRegistry: @unchecked Sendable {
    private let loader: PluginLoader
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private var byVersion: [String: [String: LoadedPlugin]] = [:]
    private var bySHA: [String: LoadedPlugin] = [:]

    public init(loader: PluginLoader) {
        self.loader = loader
        pthread_mutex_init(mutex, nil)
    }

    /// Loads the plugin at `path` (or returns the build already loaded with the same sha256)
    /// and registers it.
    ///
    /// - Throws: `PluginLoadError` from loading, or when another build holds its name and version.
    @discardableResult
    public func load(_ path: String) throws -> LoadedPlugin {
        let plugin = try loader.load(path)
        return try locked {
            if let existing = bySHA[plugin.sha256] { return existing }
            if let taken = byVersion[plugin.name]?[plugin.version] {
                throw PluginLoadError(
                    path: path,
                    "plugin \(plugin.name) \(plugin.version) is already loaded from \(taken.sourcePath) (sha256 \(taken.sha256)), and \(path) is a different build (sha256 \(plugin.sha256)) with the same name and version — give the new build a new version"
                )
            }
            byVersion[plugin.name, default: [:]][plugin.version] = plugin
            bySHA[plugin.sha256] = plugin
            return plugin
        }
    }

    /// The plugin `name` at `version`, or nil.
    public func plugin(named name: String, version: String) -> LoadedPlugin? {
        locked { byVersion[name]?[version] }
    }

    /// The versions of `name` that are loaded, sorted.
    public func versions(of name: String) -> [String] {
        locked { byVersion[name].map { $0.keys.sorted() } ?? [] }
    }

    /// Every loaded plugin, ordered by name, then version.
    public var all: [LoadedPlugin] {
        locked {
            byVersion.keys.sorted().flatMap { name in
                byVersion[name]!.keys.sorted().map { byVersion[name]![$0]! }
            }
        }
    }

    /// Bytes of plugin files this process keeps mapped (plugins are never unloaded).
    public var retainedBytes: Int {
        locked { bySHA.values.reduce(0) { $0 + $1.byteCount } }
    }

    private func locked<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        return try body()
    }
}
