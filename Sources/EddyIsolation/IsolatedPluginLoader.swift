import EddyHost
import EddyPlugins
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// Loads a plugin for `isolation: process`: the worker never maps the plugin's code. A
/// child `eddy plugin-host --describe` checks and loads the file exactly as the worker
/// would (file and ELF checks, content-addressed copy, `dlopen`, ABI and toolchain) and
/// answers with the plugin's manifest; the worker builds a stand-in descriptor whose
/// processors, and typed functions whose calls, run in `eddy plugin-host` children
/// (``IsolatedBuild``).
public struct IsolatedPluginLoader: Sendable {
    /// Plugins must lie inside this directory.
    public let pluginDirectory: String
    /// Where content-addressed copies are written.
    public let cacheDirectory: String
    /// `plugin.timeout.ms`: for loading, and for every call into the plugin.
    public let timeoutMs: Int
    /// The `eddy` binary whose `plugin-host` subcommand serves plugins.
    public let executable: String

    public init(
        pluginDirectory: String, cacheDirectory: String, timeoutMs: Int, executable: String = Self.currentExecutable
    ) {
        self.pluginDirectory = pluginDirectory
        self.cacheDirectory = cacheDirectory
        self.timeoutMs = timeoutMs
        self.executable = executable
    }

    /// This process's binary (`/proc/self/exe`).
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Loads the plugin file at `path`, which the topology calls `plugin`.
    ///
    /// - Throws: ``IsolatedPluginLoadError`` with the child's refusal (the same words as an
    ///   in-process load), or how the child ended when it crashed or hung while loading.
    public func load(_ path: String, as plugin: String) throws -> LoadedPlugin {
        let manifest = try describe(path, as: plugin)
        let copyDirectory = URL(fileURLWithPath: manifest.loadedPath).deletingLastPathComponent().path
        let build = IsolatedBuild(
            plugin: plugin, sha256: manifest.sha256, executable: executable,
            serveArguments: [
                "--plugins-dir", copyDirectory, "--cache-dir", cacheDirectory, "--sha256", manifest.sha256,
                manifest.loadedPath,
            ],
            timeoutMs: timeoutMs)
        var description = try PluginDescription(StandInDescriptor.make(manifest, build: build))
        description.runsIsolated = true
        var functions: [String: TypedFunctionCaller] = [:]
        for function in manifest.functions {
            functions[function.name] = try TypedFunctionCaller(
                name: function.name, signature: try FunctionSignature(parsing: function.signature),
                runner: IsolatedFunction(build: build, name: function.name))
        }
        return LoadedPlugin(
            description: description, sha256: manifest.sha256, sourcePath: manifest.sourcePath,
            loadedPath: manifest.loadedPath,
            byteCount: manifest.byteCount, functions: functions, retire: { build.retireCallingThread() })
    }

    private func describe(_ path: String, as plugin: String) throws -> IsolatedPluginManifest {
        let child = Process()
        child.executableURL = URL(fileURLWithPath: executable)
        child.arguments = [
            "plugin-host", "--describe", "--plugins-dir", pluginDirectory, "--cache-dir", cacheDirectory, path,
        ]
        let output = Pipe()
        let errors = Pipe()
        child.standardOutput = output
        child.standardError = errors
        do {
            try child.run()
        } catch {
            throw IsolatedPluginLoadError(
                description: "cannot start \(executable) plugin-host to load isolated plugin \(plugin): \(error)")
        }
        let killer = DispatchWorkItem { [child] in if child.isRunning { kill(child.processIdentifier, SIGKILL) } }
        DispatchQueue.global().asyncAfter(deadline: .now() + .milliseconds(timeoutMs), execute: killer)
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        child.waitUntilExit()
        killer.cancel()
        let message = stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        if child.terminationReason == .uncaughtSignal {
            let signal = child.terminationStatus
            let cause =
                signal == SIGKILL
                ? "did not finish within plugin.timeout.ms (\(timeoutMs) ms) and was killed"
                : "was killed by signal \(signal) (\(PluginProcessFailure.signalName(signal)))"
            throw IsolatedPluginLoadError(
                description:
                    "isolated plugin \(plugin): the process loading \(path) \(cause)\(message.isEmpty ? "" : ": \(message)")"
            )
        }
        guard child.terminationStatus == 0 else {
            throw IsolatedPluginLoadError(
                description: message.isEmpty
                    ? "isolated plugin \(plugin): loading \(path) failed (status \(child.terminationStatus))" : message)
        }
        do {
            return try JSONDecoder().decode(IsolatedPluginManifest.self, from: stdout)
        } catch {
            throw IsolatedPluginLoadError(
                description: "isolated plugin \(plugin): unreadable answer from \(executable) plugin-host: \(error)")
        }
    }
}

/// An isolated plugin could not be loaded: the child's refusal, or how the child ended.
public struct IsolatedPluginLoadError: Error, CustomStringConvertible {
    public let description: String
}
