import BenchKit
import Foundation

/// The applications the join benchmark runs, each as one `eddy run` worker with one stream
/// thread over 6-partition topics.
enum JoinApp {
    /// `orders` left-joined with the table `customers` (the JSON merge) → `enriched`.
    static let streamTable = """
        sources:
          - {name: orders, topics: [orders], value.serde: json}
        tables:
          - {name: customers, topic: customers, value.serde: json}
        processors:
          - {name: enriched, type: join, join: left, inputs: [orders, customers]}
        sinks:
          - {name: out, topic: enriched, inputs: [enriched], value.serde: json}
        """

    /// W3 over the same `orders`: the WordCount plugin's `count` per key → `counts`.
    static let countPerKey = """
        sources:
          - {name: orders, topics: [orders]}
        processors:
          - {name: count, plugin: WordCount, processor: count, inputs: [orders]}
        sinks:
          - {name: out, topic: counts, inputs: [count], value.serde: i64}
        """

    /// `left` inner-joined with `right` within 1 s (no grace) → `paired`.
    static let streamStream = """
        sources:
          - {name: left, topics: [left], value.serde: json}
          - {name: right, topics: [right], value.serde: json}
        processors:
          - {name: paired, type: join, inputs: [left, right], window: {difference.ms: 1000, grace.ms: 0}}
        sinks:
          - {name: out, topic: paired, inputs: [paired], value.serde: json}
        """

    /// Writes the application file for `topology` under `guarantee` into `directory` and
    /// starts its worker.
    static func launch(
        _ topology: String, id: String, guarantee: String, products: String, cluster: BenchCluster, directory: String
    ) throws -> Worker {
        let yaml = """
            application.id: \(id)
            bootstrap.servers: \(cluster.broker.bootstrapServers)
            processing.guarantee: \(guarantee)
            num.stream.threads: 1
            plugins.dir: \(products)
            state.dir: \(directory)/state
            kafka:
              linger.ms: "5"
              fetch.wait.max.ms: "10"
            topology:
            \(topology.split(separator: "\n").map { "  " + $0 }.joined(separator: "\n"))
            """
        let path = directory + "/\(id).yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return try Worker(
            eddy: products + "/eddy", app: path, instance: id, stateDir: directory + "/state",
            logPath: directory + "/\(id).log")
    }
}
