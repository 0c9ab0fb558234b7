import ArgumentParser
import EddyPlugins
import Foundation

/// `eddy plugin inspect|call|new`: look into a plugin, call its typed functions, start a new one.
struct PluginCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plugin", abstract: "Inspect plugins, call their typed functions, scaffold new ones.",
        subcommands: [
            Inspect.self, Call.self, New.self, PluginReloadCommand.self, PluginRollbackCommand.self,
            PluginStatusCommand.self,
        ])

    /// Where a plugin file may come from and where its content-addressed copy goes.
    struct LoadOptions: ParsableArguments {
        @Option(
            name: .customLong("plugin-dir"),
            help: "The plugin directory the file must lie in (default: the file's own directory).")
        var pluginDirectory: String?

        @Option(
            name: .customLong("cache-dir"),
            help:
                "Where content-addressed copies are loaded from (default: $EDDY_PLUGIN_CACHE or ~/.cache/eddy/plugins)."
        )
        var cacheDirectory: String?

        func load(_ file: String) throws -> LoadedPlugin {
            let directory = pluginDirectory ?? URL(fileURLWithPath: file).deletingLastPathComponent().path
            let loader = PluginLoader(pluginDirectory: directory, cacheDirectory: cacheDirectory ?? Self.defaultCache)
            return try loader.load(file)
        }

        static var defaultCache: String {
            let environment = ProcessInfo.processInfo.environment
            if let configured = environment["EDDY_PLUGIN_CACHE"], !configured.isEmpty { return configured }
            if let xdg = environment["XDG_CACHE_HOME"], !xdg.isEmpty { return xdg + "/eddy/plugins" }
            return (environment["HOME"] ?? NSTemporaryDirectory()) + "/.cache/eddy/plugins"
        }
    }

    struct Inspect: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a plugin's descriptor: processors, stores, config, functions, ABI, toolchain, sha256.")

        @OptionGroup var options: LoadOptions
        @Argument(help: "The plugin's shared library (.so).") var file: String

        func run() throws {
            print(try options.load(file).inspectionReport())
        }
    }

    struct Call: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Call a plugin's typed function through libffi and print the result.",
            discussion: """
                Arguments are converted to the function's signature: true/false for bool, decimal \
                integers for i32/i64, numbers for f64, text for str, text or hex:<digits> for bytes.
                """)

        @OptionGroup var options: LoadOptions
        @Argument(help: "The plugin's shared library (.so).") var file: String
        @Argument(help: "The typed function's name.") var function: String
        @Argument(parsing: .allUnrecognized, help: "The function's arguments.") var arguments: [String] = []

        func run() throws {
            let caller = try options.load(file).function(named: function)
            print(try caller.call(arguments: arguments))
        }
    }

    struct New: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create a processor plugin package that depends on the Eddy SDK, with a passing test.")

        @Argument(help: "The package and module name, e.g. Greeter.") var name: String
        @Option(help: "The directory to create the package in.") var dir: String = "."
        @Option(help: "The Eddy sdk/ package (default: found next to this eddy binary).") var sdk: String?

        func run() throws {
            let sdkPath = try sdk.map(Self.absolute) ?? Self.locateSDK()
            let scaffold = try PluginScaffold(name: name, sdkPath: sdkPath)
            let root = try scaffold.write(into: Self.absolute(dir))
            print("created \(root)")
            print("  cd \(root) && swift build --build-tests && swift test --skip-build")
        }

        static func absolute(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.path
        }

        /// Walks up from the real location of this binary (e.g. `<repo>/.build/debug/eddy`)
        /// to a directory holding `sdk/Package.swift`.
        static func locateSDK() throws -> String {
            var directory = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
                .deletingLastPathComponent()
            while directory.path != "/" {
                let candidate = directory.appendingPathComponent("sdk")
                if FileManager.default.fileExists(atPath: candidate.appendingPathComponent("Package.swift").path) {
                    return candidate.path
                }
                directory.deleteLastPathComponent()
            }
            throw ValidationError("cannot find the Eddy sdk/ above this eddy binary — pass --sdk /path/to/eddy/sdk")
        }
    }
}
