import ArgumentParser
import EddyRuntime

/// `eddy topology describe app.yaml`: the sub-topologies, as Kafka Streams prints them.
struct TopologyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topology", abstract: "Inspect an application's topology.", subcommands: [Describe.self])

    struct Describe: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the sub-topologies, sources, processors, stores and sinks.")

        @Argument(help: "The application file.") var app: String

        func run() throws {
            CommandLogging.bootstrap()
            let config = try AppConfig.load(path: app)
            let plugins = try PluginSet.load(for: config)
            let topology = try Topology.build(config, plugins: plugins)
            print(topology.describe(stores: plugins.storesByNode(topology)))
        }
    }
}
