import EddyHost
import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// Loads plugin files: checks the file, copies it to a content-addressed path, `dlopen`s the
/// copy, resolves the entry symbol and validates the descriptor.
///
/// Nothing reaches `dlopen` unchecked: the file must resolve to a regular file inside the
/// plugin directory, not writable by group or others, and be a whole ELF shared library for
/// this machine (``ELFImage``) — a file cut short would otherwise kill the process with
/// SIGBUS inside `dlopen`. The copy is read back and must hold the checked bytes.
///
/// Plugins are loaded with `RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE` and never unloaded: a
/// Swift image cannot be `dlclose`d safely. Every build is copied to
/// `<cache>/<sha256>/<file name>` first, because `dlopen` of a path that is already loaded
/// returns the old image; so two builds of one plugin load side by side.
public struct PluginLoader: Sendable {
    /// Plugins must lie inside this directory.
    public let pluginDirectory: String
    /// Where content-addressed copies are written.
    public let cacheDirectory: String
    /// The toolchain fingerprint Swift plugins must match (this host's).
    public let hostFingerprint: String

    public init(pluginDirectory: String, cacheDirectory: String, hostFingerprint: String = Toolchain.fingerprint) {
        self.pluginDirectory = pluginDirectory
        self.cacheDirectory = cacheDirectory
        self.hostFingerprint = hostFingerprint
    }

    /// Loads and validates the plugin file at `path`.
    ///
    /// - Throws: ``PluginFileError`` when the file is refused before it is loaded,
    ///   ``PluginLoadError`` when the cache cannot be written or the loaded code is refused;
    ///   either message says what is wrong and what to do.
    public func load(_ path: String) throws -> LoadedPlugin {
        let canonical = try PluginFile.resolve(path, in: pluginDirectory)
        // Read once: everything after works on these bytes, never on the file again.
        let bytes = try PluginFile.read(canonical, reportedAs: path)
        // Checked before the copy, so that no broken build lands in the cache.
        try PluginFile.requireImage(bytes, of: path)
        let sha256 = SHA256.hex(of: bytes)
        let fileName = String(canonical.split(separator: "/").last ?? "plugin.so")
        let copy = try PluginFile.contentAddressedCopy(
            of: bytes, sha256: sha256, name: fileName, cacheDirectory: cacheDirectory)
        try PluginFile.requireCopy(copy, holds: bytes, of: path)
        guard let handle = dlopen(copy, RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE) else {
            throw PluginLoadError(
                path: path,
                "cannot load plugin \(fileName): \(String(cString: dlerror())) — is it a shared library built for this platform?"
            )
        }
        let descriptor = try entry(handle, fileName: fileName, path: path)()
        guard let descriptor else {
            throw PluginLoadError(
                path: path,
                "plugin \(fileName): \(ABIVersion.entrySymbol) returned NULL — the plugin could not build its descriptor"
            )
        }
        let description = try DescriptorValidator(fileName: fileName, path: path, hostFingerprint: hostFingerprint)
            .validate(descriptor)
        var callers: [String: TypedFunctionCaller] = [:]
        for function in description.functions {
            let signature = try FunctionSignature(parsing: function.signature)
            callers[function.name] = try TypedFunctionCaller(
                name: function.name, signature: signature, address: function.address!)
        }
        return LoadedPlugin(
            description: description, sha256: sha256, sourcePath: canonical, loadedPath: copy, byteCount: bytes.count,
            functions: callers)
    }

    /// Resolves `eddy_plugin_v1`; when it is missing, says whether the file speaks another
    /// ABI major (exports `eddy_plugin_v<N>`) or is no Eddy plugin at all.
    private func entry(_ handle: UnsafeMutableRawPointer, fileName: String, path: String) throws -> eddy_plugin_entry {
        if let symbol = dlsym(handle, ABIVersion.entrySymbol) {
            return unsafeBitCast(symbol, to: eddy_plugin_entry.self)
        }
        for major in 0...16 where UInt32(major) != ABIVersion.major {
            if dlsym(handle, "eddy_plugin_v\(major)") != nil {
                throw PluginLoadError(
                    path: path,
                    "plugin \(fileName) was built for Eddy ABI \(major) (it exports eddy_plugin_v\(major)); this host speaks ABI \(ABIVersion.major) — rebuild the plugin against this host's sdk"
                )
            }
        }
        throw PluginLoadError(
            path: path,
            "plugin \(fileName) does not export \(ABIVersion.entrySymbol) — is it an Eddy plugin? A Swift plugin exports it with @_cdecl(\"\(ABIVersion.entrySymbol)\"), a C plugin defines const eddy_plugin *\(ABIVersion.entrySymbol)(void)"
        )
    }
}
