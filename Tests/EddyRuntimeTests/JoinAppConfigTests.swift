import EddyRuntime
import Testing

/// `tables:` and `join` nodes of the application file: what they compile to, and each
/// mistake named with its key and the fix.
@Suite struct JoinAppConfigTests {
    private func compile(_ topology: String) throws -> Topology {
        let config = try AppConfig.parse(yaml: AppConfigTests.header + "topology:\n" + topology, file: "app.yaml")
        return try Topology.build(config, plugins: try PluginSet.load(for: config))
    }

    private func error(_ topology: String) -> String? {
        do {
            _ = try compile(topology)
            return nil
        } catch {
            return "\(error)"
        }
    }

    private static let inputs = """
          sources:
            - {name: clicks, topics: [clicks], value.serde: json}
            - {name: views, topics: [views], value.serde: json}
          tables:
            - {name: users, topic: users, value.serde: json}
            - {name: accounts, topic: accounts, value.serde: json, store: account-store}

        """

    @Test func joinsCompileToTheirShapesWithCoPartitionGroupsAndTableStores() throws {
        let topology = try compile(Self.inputs + """
              processors:
                - {name: st, type: join, join: left, inputs: [clicks, users]}
                - {name: ss, type: join, join: outer, inputs: [clicks, views], window: {before.ms: 5, after.ms: 10, grace.ms: 2}}
                - {name: tt, type: join, inputs: [users, accounts]}
              sinks:
                - {name: a, topic: a, inputs: [st]}
                - {name: b, topic: b, inputs: [ss]}
                - {name: c, topic: c, inputs: [tt]}
            """)
        let joins = topology.nodes.compactMap { node -> String? in
            guard case .join(let join) = node.kind else { return nil }
            return "\(node.name): \(join.summary)"
        }
        #expect(joins == [
            "st: stream-table left join: json merge",
            "ss: stream-stream outer join JoinWindows(before 5ms, after 10ms, grace 2ms): json merge",
            "tt: table-table inner join: json merge",
        ])
        #expect(topology.subTopologies.flatMap(\.coPartitionGroups) == [["clicks", "users"], ["clicks", "views"], ["accounts", "users"]])
        #expect(topology.sourceChangelogs == ["users-store": "users", "account-store": "accounts"])
        #expect(topology.nodes.flatMap(\.kind.stores).map(\.name).sorted() == [
            "account-store", "ss-other-store", "ss-outer-store", "ss-this-store", "users-store",
        ])
    }

    @Test func aStreamReKeyedBeforeAJoinIsRepartitionedFirst() throws {
        let topology = try compile("""
              sources: [{name: clicks, topics: [clicks], value.serde: json}]
              tables: [{name: users, topic: users, value.serde: json}]
              processors:
                - {name: by-user, type: select_key, field: user, inputs: [clicks]}
                - {name: valid, type: filter, function: Enrich.is_large, fields: [amount], inputs: [by-user]}
                - {name: enriched, type: join, inputs: [valid, users]}
              sinks:
                - {name: out, topic: out, inputs: [enriched]}
            """)
        #expect(topology.internalTopics.map(\.name) == ["shop-enriched-left-repartition"])
        #expect(topology.subTopologies.flatMap(\.coPartitionGroups) == [["shop-enriched-left-repartition", "users"]])
        #expect(topology.nodes.first { $0.name == "enriched" }?.parents == ["enriched-left", "users"])
    }

    @Test func joinMistakesAreNamedWithTheFix() {
        #expect(error(Self.inputs + """
              processors: [{name: j, type: join, inputs: [clicks, views]}]
              sinks: [{name: out, topic: out, inputs: [j]}]
            """) == "app.yaml:11: topology.processors[0].window: is required to join two streams — how far apart two records may be, e.g. `window: {difference.ms: 10000}`")
        #expect(error(Self.inputs + """
              processors: [{name: j, type: join, inputs: [users, clicks]}]
              sinks: [{name: out, topic: out, inputs: [j]}]
            """) == "app.yaml:11: topology.processors[0].inputs: the left input 'users' is a table and the right 'clicks' a stream — put the stream first: `inputs: [clicks, users]`")
        #expect(error(Self.inputs + """
              processors: [{name: j, type: join, join: outer, inputs: [clicks, users]}]
              sinks: [{name: out, topic: out, inputs: [j]}]
            """) == "app.yaml:11: topology.processors[0].join: a stream-table join is inner or left (Kafka Streams has no outer one)")
        #expect(error(Self.inputs + """
              processors: [{name: j, type: join, join: full, inputs: [clicks, users]}]
              sinks: [{name: out, topic: out, inputs: [j]}]
            """) == "app.yaml:11: topology.processors[0].join: 'full' is not one of inner, left, outer")
        #expect(error(Self.inputs + """
              processors: [{name: j, type: join, inputs: [clicks, users], window: {difference.ms: 5}}]
              sinks: [{name: out, topic: out, inputs: [j]}]
            """) == "app.yaml:11: topology.processors[0].window: only a join of two streams has windows; 'users' is a table — remove `window:`")
        #expect(error(Self.inputs + """
              processors: [{name: j, type: join, inputs: [clicks]}]
              sinks: [{name: out, topic: out, inputs: [j]}]
            """) == "app.yaml:11: topology.processors[0].inputs: a join reads two different inputs, the left and then the right, e.g. `inputs: [clicks, users]`")
    }
}
