import EddySDK

extension Topology {
    /// The nodes a foreign-key join of two tables runs as (Kafka Streams' subscription /
    /// response design): subscribe (the left table's updates, by the foreign key `extractor`
    /// picks), repartition by foreign key, respond (with the right table's entry),
    /// repartition by left key, resolve — the last under the join's own `name`, which readers
    /// use. `leftStore` and `rightStore` are the stores the two tables are materialized in;
    /// the join keeps two stores of its own, `<name>-foreign-keys-store` and
    /// `<name>-subscription-store`.
    public static func foreignKeyJoinSteps(
        name: String, left: String, right: String, leftStore: String, rightStore: String, type: Join.JoinType,
        extractor: Join.KeySelector, joiner: Join.Joiner
    ) -> [Node] {
        func store(_ suffix: String) -> StoreDeclaration {
            StoreDeclaration(
                name: "\(name)-\(suffix)", kind: .keyValue, keySerde: "bytes", valueSerde: "bytes", changelog: true,
                retentionMs: 0,
                windowSizeMs: 0)
        }
        let subscribe = "\(name)-subscribe", registration = "\(name)-subscription-registration"
        let respond = "\(name)-respond", response = "\(name)-subscription-response"
        return [
            Node(
                name: subscribe,
                kind: .foreignKey(
                    .subscribe(extractor: extractor, foreignKeys: store("foreign-keys-store"), type: type)),
                parents: [left]),
            Node(name: registration, kind: .repartition(partitions: nil), parents: [subscribe]),
            Node(
                name: respond,
                kind: .foreignKey(.respond(subscriptions: store("subscription-store"), right: rightStore)),
                parents: [registration, right]),
            Node(name: response, kind: .repartition(partitions: nil), parents: [respond]),
            Node(
                name: name, kind: .foreignKey(.resolve(left: leftStore, type: type, joiner: joiner)),
                parents: [response, left]),
        ]
    }
}
