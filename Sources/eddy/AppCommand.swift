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
                repartition partition for the application's group (for the inputs, the first at or after a time with \
                --to-datetime or --by-duration), deletes its changelog and repartition topics, \
                and removes the task directories in this machine's state.dir (run it on every machine that ran a worker).
                """)

        @Argument(help: "The application file.") var app: String
        @Option(
            name: .customLong("state-dir"), help: "Override state.dir (the worker's, when several run on one machine).")
        var stateDir: String?
        @Option(
            name: .customLong("to-datetime"),
            help:
                "Start the inputs at their first record at or after this time (ISO 8601, e.g. 2026-12-03T10:00:00Z or 2026-12-03T10:00:00.000+01:00) instead of the earliest."
        )
        var toDatetime: String?
        @Option(
            name: .customLong("by-duration"),
            help:
                "Start the inputs at their first record at or after this long ago (ISO 8601 duration, e.g. PT15M, P1DT2H) instead of the earliest."
        )
        var byDuration: String?

        /// Where the inputs start again: the earliest offsets, or the time the options give.
        func startingPoint(now: Date = Date()) throws -> ApplicationReset.StartingPoint {
            switch (toDatetime, byDuration) {
            case (nil, nil): return .earliest
            case (.some, .some): throw ValidationError("give --to-datetime or --by-duration, not both")
            case (let text?, nil):
                guard let date = Self.parseDate(text) else {
                    throw ValidationError(
                        "--to-datetime '\(text)' is not an ISO 8601 time; write e.g. 2026-12-03T10:00:00Z")
                }
                return .time(Int64((date.timeIntervalSince1970 * 1000).rounded()))
            case (nil, let text?):
                guard let seconds = Self.parseDuration(text) else {
                    throw ValidationError(
                        "--by-duration '\(text)' is not an ISO 8601 duration; write e.g. PT15M or P1DT2H")
                }
                return .time(Int64(((now.timeIntervalSince1970 - seconds) * 1000).rounded()))
            }
        }

        static func parseDate(_ text: String) -> Date? {
            let formatter = ISO8601DateFormatter()
            formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
            if let date = formatter.date(from: text) { return date }
            formatter.formatOptions = [.withInternetDateTime]
            return formatter.date(from: text)
        }

        /// Seconds of an ISO 8601 duration `PnDTnHnMnS` (days, hours, minutes, seconds; each optional).
        static func parseDuration(_ text: String) -> Double? {
            guard let match = text.wholeMatch(of: /P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?/),
                text != "P", text != "PT", !text.hasSuffix("T")
            else { return nil }
            let days = match.1.flatMap { Double($0) } ?? 0, hours = match.2.flatMap { Double($0) } ?? 0
            let minutes = match.3.flatMap { Double($0) } ?? 0, seconds = match.4.flatMap { Double($0) } ?? 0
            return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
        }

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
                throw ValidationError(
                    "bootstrap.servers is `embedded`: an embedded broker lives only as long as its worker, there is nothing to reset"
                )
            }
            var kafka = KafkaConfiguration(config.kafka)
            kafka["bootstrap.servers"] = servers
            let start = try startingPoint()
            let report = try ApplicationReset(config: config, plugins: try PluginSet.load(for: config)).run(
                kafka: kafka, from: start)
            print("reset \(config.applicationId):")
            let target =
                if case .time(let time) = start { "the first record at or after \(time) ms" } else { "the earliest" }
            print(
                "  committed offsets rewound to \(target): \(report.rewound.isEmpty ? "none" : report.rewound.joined(separator: ", "))"
            )
            print(
                "  internal topics deleted: \(report.deletedTopics.isEmpty ? "none" : report.deletedTopics.joined(separator: ", "))"
            )
            print(
                "  task directories removed from \(config.stateDir): \(report.removedTaskDirectories.isEmpty ? "none" : report.removedTaskDirectories.joined(separator: ", "))"
            )
        }
    }
}
