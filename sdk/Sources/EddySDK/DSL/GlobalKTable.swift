/// A table every worker keeps whole (Kafka Streams' `GlobalKTable`): all partitions of its
/// topic, read into a global store before any task processes and kept current. Streams join
/// it through a key selector, with no repartitioning or co-partitioning.
public struct GlobalKTable<K: Serde, V: Serde> {
    /// The global store holding the table.
    public let storeName: String
    public let keySerde: K
    public let valueSerde: V
    /// The store's declaration, which joins name as what they read.
    @usableFromInline let store: StoreDeclaration

    @usableFromInline
    init(storeName: String, keySerde: K, valueSerde: V, store: StoreDeclaration) {
        self.storeName = storeName
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.store = store
    }
}
