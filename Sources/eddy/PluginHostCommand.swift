import ArgumentParser
import EddyIsolation
import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `eddy plugin-host` (hidden): the process a worker starts for a plugin with
/// `isolation: process`. With `--describe` it loads the plugin file, checks it as the worker
/// would and prints its manifest (what the plugin prints goes to standard error); otherwise it serves the worker's processor instances over
/// the socket (fd 3) and shared memory (fd 4) the worker passed, until the worker closes it.
struct PluginHostCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin-host",
        abstract: "Run one plugin for a worker (started by the worker; not for direct use).",
        shouldDisplay: false)

    @Flag(help: "Load and check the plugin, print its manifest as JSON, and exit.")
    var describe = false

    @Option(name: .customLong("plugins-dir"), help: "The directory the plugin file must lie in.")
    var pluginsDir: String

    @Option(name: .customLong("cache-dir"), help: "Where content-addressed copies are written.")
    var cacheDir: String

    @Option(help: "The sha256 the build must have (serving).")
    var sha256: String?

    @Argument(help: "The plugin file.")
    var path: String

    func run() throws {
        do {
            if describe {
                let output = PluginHostServer.reserveStandardOutput()
                let manifest = try PluginHostServer.describe(
                    path: path, pluginDirectory: pluginsDir, cacheDirectory: cacheDir)
                output.write(manifest)
                return
            }
            guard let sha256 else { throw ValidationError("--sha256 is required to serve a plugin") }
            try PluginHostServer.serve(
                path: path, pluginDirectory: pluginsDir, cacheDirectory: cacheDir, sha256: sha256)
        } catch let error as ValidationError {
            throw error
        } catch {
            FileHandle.standardError.write(Data("\(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
