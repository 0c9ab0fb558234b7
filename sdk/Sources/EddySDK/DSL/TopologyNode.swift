/// One node of a Streams DSL topology as the plugin exports it (an `eddy_node`): what it
/// does, where it reads from, and the function the host calls for it.
///
/// ``StreamsBuilder`` makes these; authors use `KStream`, `KGroupedStream` and `KTable`.
public struct TopologyNode: Sendable {
    /// What a node does: one `EDDY_NODE_*` kind of `eddy.h`.
    public enum Kind: Int32, Sendable, CaseIterable {
        case source = 1, sink, processor, passthrough, repartition
        case filter, map, flatMap, mapValues, flatMapValues, selectKey, peek, foreach, branch
        case count, reduce, aggregate, toTable
        /// Holds a windowed table's updates back (ABI 1.3).
        case suppress
        /// A stream function that gives records their event time (ABI 1.3).
        case timestampExtractor
        /// A topic read as a table, and a global table (ABI 1.4).
        case tableSource, globalTable
        /// The joins (ABI 1.4).
        case streamStreamJoin, streamTableJoin, streamGlobalJoin, tableTableJoin, foreignKeyJoin
        /// A joiner exported as a stream function, for an application file's joins (ABI 1.4).
        case joiner
    }

    /// Which records a join keeps (`EDDY_JOIN_*`).
    public enum JoinType: Int32, Sendable {
        case inner = 1, left, outer
    }

    /// The windows of an aggregation (`eddy_window`): `type` is one of `EDDY_WINDOW_*`.
    public struct Window: Sendable, Equatable {
        public var type: Int32
        /// Time: size; sliding: difference; session: gap.
        public var size: Int64
        public var advance: Int64
        public var grace: Int64

        public init(_ windows: TimeWindows) {
            self.init(type: Int32(EDDY_WINDOW_TIME), size: windows.size, advance: windows.advance, grace: windows.grace)
        }

        public init(_ windows: SlidingWindows) {
            self.init(type: Int32(EDDY_WINDOW_SLIDING), size: windows.difference, advance: 0, grace: windows.grace)
        }

        public init(_ windows: SessionWindows) {
            self.init(type: Int32(EDDY_WINDOW_SESSION), size: windows.gap, advance: 0, grace: windows.grace)
        }

        public init(type: Int32, size: Int64, advance: Int64, grace: Int64) {
            self.type = type
            self.size = size
            self.advance = advance
            self.grace = grace
        }
    }

    /// Modifiers of a kind (`EDDY_NODE_NEGATE`, `EDDY_NODE_TABLE`).
    public struct Flags: OptionSet, Sendable {
        public let rawValue: UInt32
        public init(rawValue: UInt32) { self.rawValue = rawValue }
        /// A filter that keeps what its predicate rejects (`filterNot`).
        public static let negate = Flags(rawValue: UInt32(EDDY_NODE_NEGATE))
        /// The input is a table's update stream: tombstones pass as tombstones.
        public static let table = Flags(rawValue: UInt32(EDDY_NODE_TABLE))
    }

    public var name: String
    public var kind: Kind
    public var flags: Flags = []
    public var parents: [String]
    /// Source: the topics read; sink: the one topic written.
    public var topics: [String] = []
    public var keySerde: String?
    public var valueSerde: String?
    /// Count, reduce, aggregate, toTable: the store holding the table.
    public var store: StoreDeclaration?
    /// Processor nodes: the processor's name.
    public var processor: String?
    /// Branch nodes: the nodes receiving branch 0, 1, …
    public var branches: [String] = []
    /// Repartition nodes: the partition count of the topic (0: as the input's).
    public var partitions: Int32 = 0
    /// Count, reduce, aggregate: the windows (nil: per key); suppress: those of its table.
    public var window: Window?
    /// Suppress: when updates go on.
    public var suppress: Suppressed?
    /// The user's function, for the kinds that have one.
    @usableFromInline var function: NodeFunction?
    /// Source: the function giving each record its event time (nil: the record's timestamp).
    @usableFromInline var timestampExtractor: NodeFunction?
    /// Joins: inner, left or outer.
    public var joinType: JoinType?
    /// Stream–stream joins: the windows.
    public var joinWindows: JoinWindows?
    /// Joins: the stores the join keeps or reads, in the order `eddy.h` gives per kind.
    public var joinStores: [StoreDeclaration] = []
    /// Stream–global-table joins: the function picking the global table's key; foreign-key
    /// joins: the foreign-key extractor.
    @usableFromInline var keySelector: NodeFunction?

    @usableFromInline
    init(
        name: String, kind: Kind, flags: Flags = [], parents: [String], topics: [String] = [], keySerde: String? = nil,
        valueSerde: String? = nil, store: StoreDeclaration? = nil, processor: String? = nil, branches: [String] = [],
        partitions: Int32 = 0, window: Window? = nil, suppress: Suppressed? = nil, function: NodeFunction? = nil,
        timestampExtractor: NodeFunction? = nil, joinType: JoinType? = nil, joinWindows: JoinWindows? = nil,
        joinStores: [StoreDeclaration] = [], keySelector: NodeFunction? = nil
    ) {
        self.name = name
        self.kind = kind
        self.flags = flags
        self.parents = parents
        self.topics = topics
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.store = store
        self.processor = processor
        self.branches = branches
        self.partitions = partitions
        self.window = window
        self.suppress = suppress
        self.function = function
        self.timestampExtractor = timestampExtractor
        self.joinType = joinType
        self.joinWindows = joinWindows
        self.joinStores = joinStores
        self.keySelector = keySelector
    }
}
