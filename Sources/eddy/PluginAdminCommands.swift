import ArgumentParser
import EddyRuntime
import EddyServer

/// Where a running worker's admin socket is: in its state directory, from its app file.
struct WorkerOptions: ParsableArguments {
    @Option(name: .customLong("app"), help: "The running worker's application file.") var app: String
    @Option(name: .customLong("state-dir"), help: "The worker's state.dir, if not the app file's.") var stateDir:
        String?

    func socketPath() throws -> String {
        var config = try AppConfig.load(path: app)
        if let stateDir { config.stateDir = stateDir }
        return AdminSocket.path(for: config)
    }

    /// Sends a request to the worker and prints its answer; fails when the answer is an error.
    func send(_ request: String) throws {
        let answer = try AdminSocket.request(request, path: socketPath())
        print(answer)
        if answer.hasPrefix("{\"error\"") { throw ExitCode(1) }
    }
}

/// `eddy plugin reload NAME`: swap a running worker to a new build of a plugin.
struct PluginReloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reload",
        abstract: "Swap a running worker to a new build of a plugin at its next commit: no rebalance, no restore.")

    @OptionGroup var worker: WorkerOptions
    @Argument(help: "The plugin's name in the topology, e.g. WordCount.") var name: String
    @Option(name: .customLong("file"), help: "The new build (default: the plugin's file in plugins.dir).") var file:
        String?

    func run() throws {
        try worker.send("reload \(name)" + (file.map { " \($0)" } ?? ""))
    }
}

/// `eddy plugin rollback NAME`: swap a running worker back to the previous build.
struct PluginRollbackCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Swap a running worker back to the build it ran before the current one.")

    @OptionGroup var worker: WorkerOptions
    @Argument(help: "The plugin's name in the topology.") var name: String

    func run() throws { try worker.send("rollback \(name)") }
}

/// `eddy plugin status`: what a running worker has loaded.
struct PluginStatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show a running worker's plugin builds, the builds it holds and the last refusal.")

    @OptionGroup var worker: WorkerOptions

    func run() throws { try worker.send("status") }
}
