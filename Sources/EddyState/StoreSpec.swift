/// What a task declares about one of its stores. Checked against the store's metadata file
/// on every open, so that a store written with other serdes or another layout is refused
/// instead of being misread.
public struct StoreSpec: Sendable, Equatable {
    /// The kind of store and the parameters that fix its on-disk layout.
    public enum Kind: Sendable, Equatable {
        /// A key-value store.
        case keyValue
        /// A window store; see ``WindowStateStore`` for retention and segments.
        case window(retentionMs: Int64, segmentIntervalMs: Int64)
        /// A session store; see ``SessionStateStore`` for retention and segments.
        case session(retentionMs: Int64, segmentIntervalMs: Int64)

        var name: String {
            switch self {
            case .keyValue: return "keyValue"
            case .window: return "window"
            case .session: return "session"
            }
        }
    }

    /// The store name from the topology; also its directory name.
    public var name: String
    public var kind: Kind
    /// The key serde's name, e.g. `string`; recorded so a changed declaration is caught.
    public var keySerde: String
    /// The value serde's name, e.g. `i64`.
    public var valueSerde: String
    /// RocksDB on disk (true) or an in-memory map (false).
    public var persistent: Bool
    /// Window stores: the size of a window in ms, when known. Not part of the layout, but
    /// recorded (and checked) so that readers such as `eddy store dump` can show window ends
    /// and a store is not reopened with windows of another size.
    public var windowSizeMs: Int64?

    public init(
        name: String, kind: Kind = .keyValue, keySerde: String, valueSerde: String, persistent: Bool = true,
        windowSizeMs: Int64? = nil
    ) {
        self.name = name
        self.kind = kind
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.persistent = persistent
        self.windowSizeMs = windowSizeMs
    }
}
