import ArgumentParser
import EddyKafka

/// `eddy topic create|list|delete`: manage topics by hand.
struct TopicCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "topic", abstract: "Create, list and delete topics.",
        subcommands: [Create.self, List.self, Delete.self])

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create a topic.")

        @OptionGroup var kafka: KafkaOptions
        @Argument(help: "Topic name.") var name: String
        @Option(name: .shortAndLong, help: "Number of partitions.") var partitions: Int32 = 1
        @Option(name: .customLong("replication-factor"), help: "Replicas per partition.") var replicationFactor: Int32 =
            1
        @Option(
            name: .customLong("config"),
            help: ArgumentHelp("A topic config such as cleanup.policy=compact (repeatable).", valueName: "key=value"))
        var configs: [String] = []
        @Flag(name: .customLong("if-not-exists"), help: "Succeed if the topic already exists.") var ifNotExists = false

        func run() throws {
            CommandLogging.bootstrap()
            guard partitions > 0 else { throw ValidationError("--partitions must be at least 1") }
            var topicConfigs: [String: String] = [:]
            for entry in configs {
                guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
                    throw ValidationError("--config \(entry): expected key=value, e.g. --config cleanup.policy=compact")
                }
                topicConfigs[String(entry[..<eq])] = String(entry[entry.index(after: eq)...])
            }
            let admin = try KafkaAdmin(configuration: kafka.configuration())
            try admin.createTopics(
                [
                    KafkaNewTopic(
                        name: name, partitions: partitions, replicationFactor: replicationFactor, configs: topicConfigs)
                ],
                ifNotExists: ifNotExists)
            print("created topic \(name) (\(partitions) partitions)")
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List topics and their partition counts.")

        @OptionGroup var kafka: KafkaOptions

        func run() throws {
            CommandLogging.bootstrap()
            let metadata = try KafkaAdmin(configuration: kafka.configuration()).metadata()
            for topic in metadata.topics where !topic.name.hasPrefix("__") {
                print("\(topic.name)\t\(topic.partitions.count)")
            }
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete topics.")

        @OptionGroup var kafka: KafkaOptions
        @Argument(help: "Topic names.") var names: [String]
        @Flag(name: .customLong("if-exists"), help: "Succeed if a topic does not exist.") var ifExists = false

        func run() throws {
            CommandLogging.bootstrap()
            try KafkaAdmin(configuration: kafka.configuration()).deleteTopics(names, ifExists: ifExists)
            print("deleted \(names.joined(separator: ", "))")
        }
    }
}
