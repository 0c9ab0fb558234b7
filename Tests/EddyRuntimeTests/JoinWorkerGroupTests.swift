import EddyKafka
import EddyRuntime
import EddyTestSupport
import Foundation
import Testing

/// Joins while workers join, leave and are killed, under `exactly_once_v2`: a stream–table
/// join (co-partitioned: partition N of the stream and of the table on one task through every
/// rebalance) and a stream–global table join (every worker bootstraps its own global store:
/// a new one reads it whole, one back on its state directory only the tail) give exactly one result per stream record.
@Suite struct JoinWorkerGroupTests {
    static let topology = """
        sources:
          - {name: clicks, topics: [clicks], value.serde: json}
        tables:
          - {name: users, topic: users, value.serde: json}
          - {name: shops, topic: shops, value.serde: json, global: true}
        processors:
          - {name: with-user, type: join, inputs: [clicks, users]}
          - {name: with-shop, type: join, join: left, inputs: [clicks, shops], key.field: shop}
        sinks:
          - {name: seen, topic: users-seen, inputs: [users], value.serde: json}
          - {name: users-out, topic: clicks-with-user, inputs: [with-user], value.serde: json}
          - {name: shops-out, topic: clicks-with-shop, inputs: [with-shop], value.serde: json}
        """

    static let allTasks: Set<String> = Set((0..<6).map { "0_\($0)" })

    /// Workers a and b, then c joining, b leaving, c killed with SIGKILL and b coming back;
    /// clicks produced between the steps. The table is whole (and committed) before the first
    /// click, so every click has its user and its shop's region: both outputs are exactly one
    /// joined record per click, and no task is ever open on two workers at once.
    @Test func everyClickIsJoinedOnceThroughJoinsLeavesAndAKill() throws {
        let cluster = try Cluster()
        for topic in ["clicks", "users", "users-seen", "clicks-with-user", "clicks-with-shop"] {
            try cluster.createTopic(topic, partitions: 6)
        }
        try cluster.createTopic("shops", partitions: 2)
        let users = 60
        try cluster.produce("users", (0..<users).map { ("u\($0)", Array(#"{"name":"U\#($0)"}"#.utf8)) })
        try cluster.produce("shops", (0..<5).map { ("s\($0)", Array(#"{"region":"r\#($0)"}"#.utf8)) })
        let dir = TemporaryDirectory()
        let app = try dir.write(
            "app.yaml",
            appYAML(
                id: uniqueName("join-group"), cluster: cluster, threads: 1, stateDir: dir.path,
                extra: "commit.interval.ms: 100",
                topology: Self.topology))
        let monitor = TaskOwnershipMonitor()
        var expectedUsers: [String] = [], expectedShops: [String] = []
        var batch = 0
        /// Every user clicks once, at shop s0…s6 (s5 and s6 are unknown: joined with null).
        func produceBatch() throws {
            batch += 1
            var clicks: [(key: String?, value: [UInt8]?)] = []
            for user in 0..<users {
                let shop = (user + batch) % 7
                let click = #"{"shop":"s\#(shop)","batch":\#(batch)}"#
                clicks.append(("u\(user)", Array(click.utf8)))
                expectedUsers.append(#"u\#(user) {"left":\#(click),"right":{"name":"U\#(user)"}}"#)
                expectedShops.append(
                    #"u\#(user) {"left":\#(click),"right":\#(shop < 5 ? #"{"region":"r\#(shop)"}"# : "null")}"#)
            }
            try cluster.produce("clicks", clicks)
        }
        let (a, b2, c) = try churnWorkers(
            app: app, directory: dir, monitor: monitor, tasks: Self.allTasks,
            started: { _ = try cluster.read("users-seen", count: users) }, step: produceBatch)

        let render = { (record: KafkaConsumerRecord) in
            "\(record.keyString ?? "") \(String(decoding: record.value ?? [], as: UTF8.self))"
        }
        let withUser = try cluster.read("clicks-with-user", count: expectedUsers.count).map(render)
        let withShop = try cluster.read("clicks-with-shop", count: expectedShops.count).map(render)
        let (overlaps, samples) = monitor.stop()
        #expect(try b2.stop() == 0)
        #expect(try a.stop() == 0)

        #expect(withUser.sorted() == expectedUsers.sorted(), "a:\n\(a.log.suffix(3000))\nb2:\n\(b2.log.suffix(3000))")
        #expect(withShop.sorted() == expectedShops.sorted())
        #expect(overlaps.isEmpty, "tasks owned twice: \(overlaps)")
        #expect(samples > 100)
        // A new worker reads the whole global table; b, back on its state directory, only
        // what came after its checkpoint (nothing).
        #expect(
            c.log.contains("global store(s) bootstrapped: 5 records from 2 partition(s)"), "c:\n\(c.log.suffix(3000))")
        #expect(
            b2.log.contains("global store(s) bootstrapped: 0 records from 2 partition(s)"),
            "b2:\n\(b2.log.suffix(3000))")
    }
}
