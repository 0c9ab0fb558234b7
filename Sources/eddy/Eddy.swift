import ArgumentParser

/// The `eddy` command: a Kafka Streams–class stream processor whose processors are plugins.
@main
struct Eddy: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eddy",
        abstract: "Kafka Streams for Swift: stateful, exactly-once stream processing with hot-reloadable plugins.",
        subcommands: [
            VersionCommand.self,
            TopicCommand.self,
            ProduceCommand.self,
            ConsumeCommand.self,
            RunCommand.self,
            TopologyCommand.self,
            BrokerCommand.self,
            PluginCommand.self,
            PluginHostCommand.self,
            StoreCommand.self,
            AppCommand.self,
        ]
    )
}
