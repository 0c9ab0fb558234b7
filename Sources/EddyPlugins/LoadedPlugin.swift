import EddyHost
import EddySDK

/// A plugin loaded into this process and validated: its descriptor, where it came from, and
/// a prepared libffi caller for each typed function.
///
/// Immutable, and its image is never unloaded, so it is safe to share across threads.
public final class LoadedPlugin: @unchecked Sendable {
    /// The descriptor, read into Swift values.
    public let description: PluginDescription
    /// The lower-case hex sha256 of the plugin file.
    public let sha256: String
    /// The file it was loaded from.
    public let sourcePath: String
    /// The content-addressed copy that was `dlopen`ed.
    public let loadedPath: String
    /// Size of the file in bytes (what a retained version costs on disk and, roughly, mapped).
    public let byteCount: Int
    /// A libffi caller per typed function, by name.
    public let functions: [String: TypedFunctionCaller]
    /// Called on a thread that has moved every use of this build to another one (a hot reload):
    /// a plugin whose code runs in another process ends the calling thread's process there.
    private let retire: (@Sendable () -> Void)?

    /// A loaded build; `functions` empty for a plugin whose code runs in another process,
    /// which passes `retire` to end a thread's process of this build (see ``retireFromCallingThread()``).
    public init(
        description: PluginDescription, sha256: String, sourcePath: String, loadedPath: String, byteCount: Int,
        functions: [String: TypedFunctionCaller], retire: (@Sendable () -> Void)? = nil
    ) {
        self.retire = retire
        self.description = description
        self.sha256 = sha256
        self.sourcePath = sourcePath
        self.loadedPath = loadedPath
        self.byteCount = byteCount
        self.functions = functions
    }

    /// The calling thread no longer uses this build (it moved its tasks to another): releases
    /// what the build keeps for the thread. Nothing for a build loaded into this process.
    public func retireFromCallingThread() {
        retire?()
    }

    /// The plugin's name.
    public var name: String { description.name }
    /// The plugin's version.
    public var version: String { description.version }

    /// The processor named `name`.
    public func processor(named name: String) -> ProcessorDescription? {
        description.processor(named: name)
    }

    /// The typed function named `name`.
    ///
    /// - Throws: `PluginLoadError`-style message listing the functions the plugin has.
    public func function(named name: String) throws -> TypedFunctionCaller {
        guard let caller = functions[name] else {
            let known = functions.keys.sorted().joined(separator: ", ")
            throw UnknownFunctionError(
                description:
                    "plugin \(self.name) \(version) has no typed function \(name); it has: \(known.isEmpty ? "none" : known)"
            )
        }
        return caller
    }
}

/// A typed function was asked for by a name the plugin does not have.
public struct UnknownFunctionError: Error, CustomStringConvertible {
    public let description: String
}
