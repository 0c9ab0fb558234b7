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
        let topology = try compile(
            Self.inputs + """
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
        #expect(
            joins == [
                "st: stream-table left join: json merge",
                "ss: stream-stream outer join JoinWindows(before 5ms, after 10ms, grace 2ms): json merge",
                "tt: table-table inner join: json merge",
            ])
        #expect(
            topology.subTopologies.flatMap(\.coPartitionGroups) == [
                ["clicks", "users"], ["clicks", "views"], ["accounts", "users"],
            ])
        #expect(topology.sourceChangelogs == ["users-store": "users", "account-store": "accounts"])
        #expect(
            topology.nodes.flatMap(\.kind.stores).map(\.name).sorted() == [
                "account-store", "ss-other-store", "ss-outer-store", "ss-this-store", "users-store",
            ])
    }

    @Test func aStreamReKeyedBeforeAJoinIsRepartitionedFirst() throws {
        let topology = try compile(
            """
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
        #expect(
            error(
                Self.inputs + """
                      processors: [{name: j, type: join, inputs: [clicks, views]}]
                      sinks: [{name: out, topic: out, inputs: [j]}]
                    """)
                == "app.yaml:11: topology.processors[0].window: is required to join two streams — how far apart two records may be, e.g. `window: {difference.ms: 10000}`"
        )
        #expect(
            error(
                Self.inputs + """
                      processors: [{name: j, type: join, inputs: [users, clicks]}]
                      sinks: [{name: out, topic: out, inputs: [j]}]
                    """)
                == "app.yaml:11: topology.processors[0].inputs: the left input 'users' is a table and the right 'clicks' a stream — put the stream first: `inputs: [clicks, users]`"
        )
        #expect(
            error(
                Self.inputs + """
                      processors: [{name: j, type: join, join: outer, inputs: [clicks, users]}]
                      sinks: [{name: out, topic: out, inputs: [j]}]
                    """)
                == "app.yaml:11: topology.processors[0].join: a stream-table join is inner or left (Kafka Streams has no outer one)"
        )
        #expect(
            error(
                Self.inputs + """
                      processors: [{name: j, type: join, join: full, inputs: [clicks, users]}]
                      sinks: [{name: out, topic: out, inputs: [j]}]
                    """) == "app.yaml:11: topology.processors[0].join: 'full' is not one of inner, left, outer")
        #expect(
            error(
                Self.inputs + """
                      processors: [{name: j, type: join, inputs: [clicks, users], window: {difference.ms: 5}}]
                      sinks: [{name: out, topic: out, inputs: [j]}]
                    """)
                == "app.yaml:11: topology.processors[0].window: only a join of two streams has windows; 'users' is a table — remove `window:`"
        )
        #expect(
            error(
                Self.inputs + """
                      processors: [{name: j, type: join, inputs: [clicks]}]
                      sinks: [{name: out, topic: out, inputs: [j]}]
                    """)
                == "app.yaml:11: topology.processors[0].inputs: a join reads two different inputs, the left and then the right, e.g. `inputs: [clicks, users]`"
        )
    }

    private static let globalInputs = """
          sources: [{name: clicks, topics: [clicks], value.serde: json}]
          tables:
            - {name: users, topic: users, value.serde: json}
            - {name: accounts, topic: accounts, value.serde: json}
            - {name: regions, topic: regions, value.serde: json, global: true}

        """

    @Test func globalTableAndForeignKeyJoinsCompileWithoutCoPartitioningTheGlobalTable() throws {
        let topology = try compile(
            Self.globalInputs + """
                  processors:
                    - {name: by-user, type: select_key, field: user, inputs: [clicks]}
                    - {name: g, type: join, join: left, inputs: [by-user, regions], key.field: geo.region}
                    - {name: fk, type: join, inputs: [users, accounts], foreign.key.field: account.id}
                  sinks:
                    - {name: a, topic: a, inputs: [g]}
                    - {name: b, topic: b, inputs: [fk]}
                """)
        #expect(
            topology.globalStores.map { "\($0.store.name) of \($0.topic), changelog \($0.store.changelog)" } == [
                "regions-store of regions, changelog false"
            ])
        let joins = topology.nodes.compactMap { node -> String? in
            switch node.kind {
            case .join(let join): "\(node.name) \(node.parents): \(join.summary)"
            case .foreignKey: "\(node.name) \(node.parents): \(node.kind.summary)"
            default: nil
            }
        }
        #expect(
            joins == [
                "g [\"by-user\"]: stream-globalTable left join by json field geo.region: json merge",
                "fk-subscribe [\"users\"]: foreign-key join subscribe: json field account.id key selector",
                "fk [\"fk-subscription-response\", \"users\"]: foreign-key inner join resolve",
                "fk-respond [\"fk-subscription-registration\", \"accounts\"]: foreign-key join respond",
            ])
        // The re-keyed stream is not repartitioned for a global table, which every task holds whole.
        #expect(
            topology.internalTopics.filter { $0.kind == .repartition }.map(\.name) == [
                "shop-fk-subscription-registration-repartition", "shop-fk-subscription-response-repartition",
            ])
    }

    @Test func globalTableAndForeignKeyJoinMistakesAreNamedWithTheFix() {
        func processors(_ yaml: String, sink: String = "j") -> String {
            Self.globalInputs + "  processors: [\(yaml)]\n  sinks: [{name: out, topic: out, inputs: [\(sink)]}]\n"
        }
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, regions]}"))
                == "app.yaml:10: topology.processors[0].key.field: is required to join global table 'regions' — how a record picks the table's key: `key.field: shop` (a JSON field of the value) or `key.function: Plugin.name` (a select_key stream function)"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [regions, clicks], key.field: r}"))
                == "app.yaml:10: topology.processors[0].inputs: 'regions' is a global table, which only a join reads, as its right input — e.g. `{type: join, inputs: [orders, regions], key.field: shop}`"
        )
        #expect(
            error(processors("{name: j, type: join, join: outer, inputs: [clicks, regions], key.field: r}"))
                == "app.yaml:10: topology.processors[0].join: a stream-global table join is inner or left (Kafka Streams has no outer one)"
        )
        #expect(
            error(
                processors(
                    "{name: j, type: join, inputs: [clicks, regions], key.field: r, key.function: Shops.shop-of}"))
                == "app.yaml:10: topology.processors[0].key.field: give either `key.field:` (a JSON field of the value) or `key.function:` (a plugin's select_key stream function), not both"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, regions], key.field: a..b}"))
                == "app.yaml:10: topology.processors[0].key.field: 'a..b' is not a JSON field path — name a field of the value, e.g. `key.field: shop` or `key.field: order.shop`"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, users], key.field: r}"))
                == "app.yaml:10: topology.processors[0].key.field: only a join with a global table picks the table's key from the record; 'users' is not one — remove it"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, users], foreign.key.field: account}"))
                == "app.yaml:10: topology.processors[0].foreign.key.field: a foreign-key join reads two tables (`tables:`), the left one's values naming the right one's keys; 'clicks' is not a table"
        )
        #expect(
            error(
                processors("{name: j, type: join, join: outer, inputs: [users, accounts], foreign.key.field: account}"))
                == "app.yaml:10: topology.processors[0].join: a foreign-key join is inner or left (Kafka Streams has no outer one)"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, regions], key.function: Shops.nope}"))
                == "app.yaml:10: topology.processors[0].key.function: plugin Shops exports no stream function nope (it exports: shop-of, describe-sale) — export one with StreamFunction.selectKey"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, regions], key.field: r, joiner: Shops.shop-of}"))
                == "app.yaml:10: topology.processors[0].joiner: Shops.shop-of is a selectKey stream function, but a join's joiner node calls a joiner function"
        )
        #expect(
            error(processors("{name: j, type: join, inputs: [clicks, users]}", sink: "regions"))
                == "app.yaml:11: topology.sinks[0].inputs: 'regions' is a global table, which only a join reads, as its right input — e.g. `{type: join, inputs: [orders, regions], key.field: shop}`"
        )
    }
}
