import BenchKit
import Foundation

/// Stream–table join throughput: `records` orders over `keys` customers, all produced before
/// the worker starts, against W3 (a count per key) over the same orders. The time runs from
/// the worker's last task created (so process start-up does not count; the table's
/// restoration does) to the last output committed.
func benchStreamTableThroughput(products: String, records: Int, keys: Int, guarantee: String) throws {
    let cluster = try BenchCluster()
    for topic in ["customers", "orders", "enriched", "counts"] { try cluster.createTopic(topic, partitions: 6) }
    try cluster.produce("customers", count: keys) { i, key in
        BenchCluster.fillKey(&key, i)
        return (Int32(i % 6), Array(#"{"customer":\#(i),"tier":"gold","country":"NL"}"#.utf8))
    }
    try cluster.produce("orders", count: records) { i, key in
        let customer = i % keys
        BenchCluster.fillKey(&key, customer)
        return (Int32(customer % 6), Array(#"{"order":\#(i),"amount":12.5}"#.utf8))
    }
    var rates: [String: Double] = [:]
    for (name, topology, output) in [("join", JoinApp.streamTable, "enriched"), ("W3", JoinApp.countPerKey, "counts")] {
        try withScratchDirectory("eddy-join-bench") { directory in
            let counter = try CommittedCounter(cluster: cluster, topic: output, partitions: 6)
            defer { counter.stop() }
            let worker = try JoinApp.launch(
                topology, id: "\(name.lowercased())-\(guarantee)", guarantee: guarantee, products: products,
                cluster: cluster,
                directory: directory)
            defer { worker.stop() }
            let running = try worker.waitForLines("created (", count: 6, timeout: .seconds(120))
            let all = try counter.waitFor(records)
            rates[name] = Double(records) / seconds(running, all)
        }
    }
    let join = rates["join"] ?? 0, count = rates["W3"] ?? 0
    print(
        "stream-table join, \(guarantee), \(records) orders x \(keys) customers, 1 stream thread: "
            + "\(format(join)) records/s; W3 (count per key) \(format(count)) records/s; join/W3 \(format(join / count, 2))"
    )
}
