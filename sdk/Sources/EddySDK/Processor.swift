/// A stream processor: the code a topology node runs for each record, like Kafka Streams'
/// `Processor` (`init(context)`, `process(record)`, punctuations, `close`).
///
/// Write a small struct, list it in your plugin's `processors`, and the SDK does the ABI:
///
/// ```swift
/// struct Upper: Processor {
///     static let name = "upper"
///     let context: ProcessorContext
///     init(context: ProcessorContext) throws { self.context = context }
///     mutating func process(_ record: Record) throws {
///         let text = try record.value(.string) ?? ""
///         try context.forward(key: record.key, value: Array(text.uppercased().utf8), timestamp: record.timestamp)
///     }
/// }
/// ```
///
/// The host creates one instance per task and calls it on the stream thread that owns the
/// task, never concurrently for one instance. Throw `ProcessorError.reject(reason)` to send
/// the current record to the dead-letter topic; any other error fails the task.
public protocol Processor {
    /// Name, unique within the plugin; topologies refer to it.
    static var name: String { get }
    /// One line of documentation.
    static var doc: String? { get }
    /// The state stores this processor uses; the host creates them before `init`.
    static var stores: [StoreDeclaration] { get }
    /// The configuration keys this processor accepts; the host validates the app's config.
    static var config: [ConfigKey] { get }

    /// Creates the instance for one task. Keep `context` to reach the host later.
    init(context: ProcessorContext) throws
    /// Processes one record.
    mutating func process(_ record: Record) throws
    /// A scheduled punctuation fired at `timestamp` (stream time or wall-clock ms).
    mutating func punctuate(_ schedule: Schedule, timestamp: Int64) throws
    /// The instance ends (task revoked, app stopping, or replaced by a hot reload).
    mutating func close()
}

extension Processor {
    public static var doc: String? { nil }
    public static var stores: [StoreDeclaration] { [] }
    public static var config: [ConfigKey] { [] }
    public mutating func punctuate(_ schedule: Schedule, timestamp: Int64) throws {}
    public mutating func close() {}
}

/// A state store a processor declares: name, kind, serdes, changelog.
public struct StoreDeclaration: Sendable, Equatable {
    /// The kinds of store the host offers.
    public enum Kind: Int32, Sendable {
        case keyValue = 1, window = 2, session = 3
    }

    public let name: String
    public let kind: Kind
    public let keySerde: String
    public let valueSerde: String
    public let changelog: Bool
    public let retentionMs: Int64
    public let windowSizeMs: Int64

    /// A declaration with every field given; prefer `keyValue(...)`, `window(...)` and `session(...)`.
    public init(
        name: String, kind: Kind, keySerde: String, valueSerde: String, changelog: Bool,
        retentionMs: Int64, windowSizeMs: Int64
    ) {
        self.name = name
        self.kind = kind
        self.keySerde = keySerde
        self.valueSerde = valueSerde
        self.changelog = changelog
        self.retentionMs = retentionMs
        self.windowSizeMs = windowSizeMs
    }

    /// A key-value store.
    public static func keyValue<K: Serde, V: Serde>(
        _ name: String, key: K, value: V, changelog: Bool = true
    ) -> StoreDeclaration {
        StoreDeclaration(
            name: name, kind: .keyValue, keySerde: key.name, valueSerde: value.name, changelog: changelog,
            retentionMs: 0, windowSizeMs: 0)
    }

    /// A window store of windows `windowSize` ms long, kept `retention` ms.
    public static func window<K: Serde, V: Serde>(
        _ name: String, key: K, value: V, windowSize: Int64, retention: Int64, changelog: Bool = true
    ) -> StoreDeclaration {
        StoreDeclaration(
            name: name, kind: .window, keySerde: key.name, valueSerde: value.name, changelog: changelog,
            retentionMs: retention, windowSizeMs: windowSize)
    }

    /// A session store: values per key and session window, kept `retention` ms behind stream
    /// time by session end (at least the inactivity gap plus the grace a processor allows).
    /// Needs a host with ABI 1.3.
    public static func session<K: Serde, V: Serde>(
        _ name: String, key: K, value: V, retention: Int64, changelog: Bool = true
    ) -> StoreDeclaration {
        StoreDeclaration(
            name: name, kind: .session, keySerde: key.name, valueSerde: value.name, changelog: changelog,
            retentionMs: retention, windowSizeMs: 0)
    }
}

/// A configuration key a processor accepts.
public struct ConfigKey: Sendable, Equatable {
    /// The type a value must parse as.
    public enum ValueType: Int32, Sendable {
        case string = 1, int = 2, double = 3, bool = 4
    }

    public let name: String
    public let type: ValueType
    /// Default as text; nil makes the key required.
    public let defaultValue: String?
    public let doc: String?

    public init(_ name: String, _ type: ValueType, default defaultValue: String? = nil, doc: String? = nil) {
        self.name = name
        self.type = type
        self.defaultValue = defaultValue
        self.doc = doc
    }
}
