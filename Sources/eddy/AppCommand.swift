import ArgumentParser
import EddyKafka
import EddyRuntime
import Foundation
import Logging

/// `eddy app …`: operations on a whole application.
struct AppCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "app", abstract: "Operations on a whole application.", subcommands: [Reset.self])

    /// `eddy app reset app.yaml`: Kafka Streams' application reset tool.
    struct Reset: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reset an application so that its next run processes its input again from the start.",
            discussion: """
                Refuses while a worker of the application runs. Commits the earliest offset of every input and \
                repartition partition for the application's group, deletes its changelog and repartition topics, \
                and removes the task directories in this machine's state.dir (run it on every machine that ran a worker).
                """)

        @Argument(help: "The application file.") var app: String
        @Option(name: .customLong("state-dir"), help: "Override state.dir (the worker's, when several run on one machine).")
        var stateDir: String?

        func run() throws {
            CommandLogging.bootstrap(defaultLevel: .warning)
            var config: AppConfig
            do {
                config = try AppConfig.load(path: app)
            } catch {
                throw WorkerExit.couldNotStart(error)
            }
            if let stateDir { config.stateDir = stateDir }
            guard case .servers(let servers) = config.bootstrapServers else {
                throw ValidationError("bootstrap.servers is `embedded`: an embedded broker lives only as long as its worker, there is nothing to reset")
            }
            var kafka = KafkaConfiguration(config.kafka)
            kafka["bootstrap.servers"] = servers
            let report = try ApplicationReset(config: config, plugins: try PluginSet.load(for: config)).run(kafka: kafka)
            print("reset \(config.applicationId):")
            print("  committed offsets rewound to the earliest: \(report.rewound.isEmpty ? "none" : report.rewound.joined(separator: ", "))")
            print("  internal topics deleted: \(report.deletedTopics.isEmpty ? "none" : report.deletedTopics.joined(separator: ", "))")
            print("  task directories removed from \(config.stateDir): \(report.removedTaskDirectories.isEmpty ? "none" : report.removedTaskDirectories.joined(separator: ", "))")
        }
    }
}
