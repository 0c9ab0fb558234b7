import ArgumentParser
import EddyKafka
import Logging

/// Options every command that talks to Kafka shares: where the cluster is and extra
/// librdkafka properties.
struct KafkaOptions: ParsableArguments {
    @Option(
        name: [.short, .customLong("bootstrap-servers")],
        help: "Comma-separated host:port list (default: $EDDY_BOOTSTRAP_SERVERS, else localhost:9092).")
    var bootstrapServers: String?

    @Option(
        name: .customShort("X"),
        help: ArgumentHelp("A librdkafka property, passed through unchanged (repeatable).", valueName: "key=value"))
    var properties: [String] = []

    /// The configuration these options describe, with a clear error for a malformed `-X`.
    func configuration(_ extra: [String: String] = [:]) throws -> KafkaConfiguration {
        var config = KafkaConfiguration(extra)
        config["bootstrap.servers"] =
            bootstrapServers ?? ProcessEnvironment.value("EDDY_BOOTSTRAP_SERVERS") ?? "localhost:9092"
        for property in properties {
            guard let eq = property.firstIndex(of: "="), eq != property.startIndex else {
                throw ValidationError("-X \(property): expected key=value, e.g. -X linger.ms=5")
            }
            config[String(property[..<eq])] = String(property[property.index(after: eq)...])
        }
        return config
    }
}

/// Reads environment variables without importing Foundation into every command.
enum ProcessEnvironment {
    static func value(_ name: String) -> String? {
        guard let raw = getenv(name) else { return nil }
        let value = String(cString: raw)
        return value.isEmpty ? nil : value
    }
}

/// Sets up swift-log once: human-readable lines on stderr, level from `EDDY_LOG_LEVEL`.
enum CommandLogging {
    static func bootstrap(defaultLevel: Logger.Level = .warning) {
        let level = ProcessEnvironment.value("EDDY_LOG_LEVEL").flatMap(Logger.Level.init(rawValue:)) ?? defaultLevel
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif
