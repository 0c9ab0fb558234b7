import BenchKit
import Foundation

/// The application the benchmarks run: `input` → the WordCount plugin's `count` processor
/// (a running count per record key in the RocksDB store `key-counts`, logged to
/// `<application.id>-key-counts-changelog`) → `output`, under exactly_once_v2, one stream
/// thread.
struct BenchApp {
    let applicationId: String
    let products: String
    let directory: String
    let cluster: BenchCluster

    static let store = "key-counts"

    var changelogTopic: String { "\(applicationId)-\(Self.store)-changelog" }
    var eddy: String { products + "/eddy" }

    /// Writes `app.yaml` into `directory` and returns its path.
    func write(sessionTimeoutMs: Int, staticMembership: Bool) throws -> String {
        let yaml = """
            application.id: \(applicationId)
            bootstrap.servers: \(cluster.broker.bootstrapServers)
            processing.guarantee: exactly_once_v2
            num.stream.threads: 1
            commit.interval.ms: 100
            static.membership: \(staticMembership)
            plugins.dir: \(products)
            state.dir: \(directory)/state
            kafka:
              session.timeout.ms: "\(sessionTimeoutMs)"
              heartbeat.interval.ms: "\(max(100, sessionTimeoutMs / 4))"
            topology:
              sources:
                - name: records
                  topics: [input]
              processors:
                - name: count
                  plugin: WordCount
                  processor: count
                  inputs: [records]
              sinks:
                - name: out
                  topic: output
                  inputs: [count]
                  value.serde: i64
            """
        let path = directory + "/app.yaml"
        try yaml.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    func launch(_ app: String, instance: String, stateDir: String, log: String) throws -> Worker {
        try Worker(eddy: eddy, app: app, instance: instance, stateDir: stateDir, logPath: directory + "/" + log)
    }
}

/// The sum of the numbers in "(N changelog records restored)" over `lines`.
func restoredCount(_ lines: [String]) -> Int {
    lines.compactMap { line -> Int? in
        guard let open = line.range(of: "created ("), let end = line.range(of: " changelog records restored") else {
            return nil
        }
        return Int(line[open.upperBound..<end.lowerBound])
    }.reduce(0, +)
}

/// Bytes under `path`.
func directorySize(_ path: String) -> Int {
    guard let files = FileManager.default.enumerator(atPath: path) else { return 0 }
    var total = 0
    for case let file as String in files {
        total += ((try? FileManager.default.attributesOfItem(atPath: path + "/" + file))?[.size] as? Int) ?? 0
    }
    return total
}
