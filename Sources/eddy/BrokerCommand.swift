import ArgumentParser
import EddyKafka

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// `eddy broker`: run `eddy-broker`, the embedded development and test broker.
struct BrokerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Run the embedded development broker (memory-only, single process).",
        discussion: """
            eddy-broker is librdkafka's mock cluster with Eddy's patch that gives it Kafka's \
            transactional semantics. It is for development, tests and demos: everything is in \
            memory and lost when it stops. Production points bootstrap.servers at a real Kafka \
            cluster. Build it once with `bash broker/build.sh`.

            Prints `bootstrap.servers=HOST:PORT,...` and serves until Ctrl-C or SIGTERM. With \
            --control it also reads control commands from stdin (broker-down ID, broker-up ID, \
            request-errors API ERROR [COUNT], committed GROUP TOPIC PARTITION, ping, quit) and \
            stops when stdin ends.
            """)

    @Option(name: .long, help: "Number of brokers (ids 1...N).") var brokers: Int = 1
    @Option(name: .long, help: "Bind broker i to 127.0.0.1:P+i-1 (default: ephemeral ports).") var port: Int?
    @Option(
        name: .customLong("group-initial-rebalance-delay-ms"),
        help: "How long a new consumer group's first join round waits for more members.")
    var groupInitialRebalanceDelayMs: Int = 0
    @Flag(name: .long, help: "Read control commands from stdin and stop when it ends.") var control = false

    func validate() throws {
        guard (1...64).contains(brokers) else {
            throw ValidationError("--brokers must be from 1 to 64, got \(brokers)")
        }
        guard groupInitialRebalanceDelayMs >= 0 else {
            throw ValidationError("--group-initial-rebalance-delay-ms must not be negative")
        }
        if let port, port < 1 || port + brokers - 1 > 65535 {
            throw ValidationError("--port \(port) with \(brokers) broker(s) leaves the port range 1...65535")
        }
    }

    /// Replaces this process with eddy-broker, so that Ctrl-C and SIGTERM reach it directly
    /// and it stops cleanly.
    func run() throws {
        let path = try EmbeddedBroker.locateExecutable()
        var arguments = [path, "--brokers", "\(brokers)"]
        if let port { arguments += ["--port", "\(port)"] }
        arguments += ["--group-initial-rebalance-delay-ms", "\(groupInitialRebalanceDelayMs)"]
        if !control { arguments.append("--no-stdin") }
        fflush(nil)
        let cArguments = arguments.map { strdup($0) } + [nil]
        execv(path, cArguments)
        throw ExecFailed(path: path, reason: String(cString: strerror(errno)))
    }

    struct ExecFailed: Error, CustomStringConvertible {
        let path: String
        let reason: String
        var description: String { "could not run \(path): \(reason) — rebuild it with `bash broker/build.sh`" }
    }
}
