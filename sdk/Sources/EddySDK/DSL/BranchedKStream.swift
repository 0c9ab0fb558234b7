/// The branches of a `split()` being declared (Kafka Streams' `BranchedKStream`).
///
/// ```swift
/// let branches = payments.split(named: "by-size")
///     .branch("large") { _, p in p.amount >= 1000 }
///     .branch("medium") { _, p in p.amount >= 100 }
///     .defaultBranch("small")
/// branches["large"]!.to("large-payments")
/// ```
///
/// Each record goes to the first branch whose predicate holds, else to the default branch,
/// else nowhere. Branch `b` of split `s` is the node `s-b`.
public struct BranchedKStream<K: Serde, V: Serde> {
    @usableFromInline let parent: KStream<K, V>
    @usableFromInline let name: String
    @usableFromInline var branchNames: [String] = []
    @usableFromInline var predicates: [(K.Value?, V.Value) throws -> Bool] = []

    @usableFromInline
    init(parent: KStream<K, V>, name: String) {
        self.parent = parent
        self.name = name
    }

    /// Adds a branch named `branch` for the records `predicate` holds for (and no earlier branch took).
    @inlinable
    public func branch(_ branch: String, _ predicate: @escaping (K.Value?, V.Value) throws -> Bool) -> BranchedKStream {
        var next = self
        next.branchNames.append(branch)
        next.predicates.append(predicate)
        return next
    }

    /// Ends the split with a branch named `branch` for the records no other branch took;
    /// returns every branch's stream by its name.
    @inlinable
    public func defaultBranch(_ branch: String = "default") -> [String: KStream<K, V>] {
        finish(defaultBranch: branch)
    }

    /// Ends the split; records no branch took are dropped. Returns every branch's stream by its name.
    @inlinable
    public func noDefaultBranch() -> [String: KStream<K, V>] {
        finish(defaultBranch: nil)
    }

    @usableFromInline
    func finish(defaultBranch: String?) -> [String: KStream<K, V>] {
        let builder = parent.builder
        let names = branchNames + (defaultBranch.map { [$0] } ?? [])
        let nodeNames = names.map { "\(name)-\($0)" }
        let function = NodeFunction.branch(
            parent.decoder, predicates, defaultBranch: defaultBranch.map { _ in Int32(branchNames.count) })
        builder.add(
            TopologyNode(name: name, kind: .branch, parents: [parent.node], branches: nodeNames, function: function))
        var streams: [String: KStream<K, V>] = [:]
        for (branch, nodeName) in zip(names, nodeNames) {
            builder.add(TopologyNode(name: nodeName, kind: .passthrough, parents: [name]))
            streams[branch] = KStream(
                builder: builder, node: nodeName, keySerde: parent.keySerde, valueSerde: parent.valueSerde,
                keyChanged: parent.keyChanged)
        }
        return streams
    }
}
