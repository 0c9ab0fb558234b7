/// One interactive query of a store, in serialized keys: what `GET /stores/<store>/…` asks
/// and what a stream thread answers from committed state.
public struct StoreQuery: Sendable, Equatable {
    public enum Operation: Sendable, Equatable {
        /// One key of a key-value store.
        case get(key: [UInt8])
        /// Keys in `[from, to]` (both inclusive, nil unbounded) of a key-value store.
        case range(from: [UInt8]?, to: [UInt8]?)
        /// Every key of a key-value store.
        case all
        /// Keys starting with `prefix` of a key-value store.
        case prefix([UInt8])
        /// A window store's windows of `key` starting in `[from, to]` (epoch ms).
        case windowFetch(key: [UInt8], from: Int64, to: Int64)
        /// A session store's sessions of `key`.
        case sessionFetch(key: [UInt8])

        /// The key that decides the partition, for the single-key operations; nil for the
        /// operations every partition answers.
        public var key: [UInt8]? {
            switch self {
            case .get(let key), .windowFetch(let key, _, _), .sessionFetch(let key): key
            case .range, .all, .prefix: nil
            }
        }

        /// The kind of store the operation reads.
        var storeKind: String {
            switch self {
            case .get, .range, .all, .prefix: "key-value"
            case .windowFetch: "window"
            case .sessionFetch: "session"
            }
        }
    }

    public var store: String
    public var operation: Operation

    public init(store: String, operation: Operation) {
        self.store = store
        self.operation = operation
    }
}

/// One entry of an answer: a key and its value, with a window's start and end (exclusive)
/// or a session's start and end (both inclusive) for those stores.
public struct QueriedEntry: Sendable, Equatable {
    /// The partition (task) that holds it.
    public var partition: Int32
    public var key: [UInt8]
    public var value: [UInt8]
    public var start: Int64?
    public var end: Int64?

    public init(partition: Int32, key: [UInt8], value: [UInt8], start: Int64? = nil, end: Int64? = nil) {
        self.partition = partition
        self.key = key
        self.value = value
        self.start = start
        self.end = end
    }
}

/// What this worker answers for some partitions of a store: the entries of those it runs,
/// and why it could not answer for the others it was asked about.
public struct LocalQueryAnswer: Sendable, Equatable {
    /// The partitions answered, sorted.
    public var partitions: [Int32] = []
    public var entries: [QueriedEntry] = []
    /// Why a partition was not answered here (restoring, not hosted, a timeout), by partition.
    public var unavailable: [Int32: String] = [:]

    public init(partitions: [Int32] = [], entries: [QueriedEntry] = [], unavailable: [Int32: String] = [:]) {
        self.partitions = partitions
        self.entries = entries
        self.unavailable = unavailable
    }

    /// Adds another worker's answer. A partition answered twice (by a worker that ran its
    /// task until a rebalance and by the one that runs it now) keeps the first answer.
    public mutating func merge(_ other: LocalQueryAnswer) {
        let known = Set(partitions)
        partitions = Array(known.union(other.partitions)).sorted()
        entries += other.entries.filter { !known.contains($0.partition) }
        unavailable.merge(other.unavailable) { $1 }
        for partition in partitions { unavailable[partition] = nil }
    }
}
