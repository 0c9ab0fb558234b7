import EddySDK

@_exported import struct EddyHost.StoreEntry

/// A record a processor forwarded, as raw bytes.
public struct ForwardedRecord: Equatable, Sendable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var timestamp: Int64
    public var headers: [Header]
    /// The child it was forwarded to; nil for all children.
    public var child: String?

    public init(key: [UInt8]?, value: [UInt8]?, timestamp: Int64, headers: [Header] = [], child: String? = nil) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.headers = headers
        self.child = child
    }
}

/// A forwarded record decoded with serdes.
public struct TestRecord<Key, Value> {
    public var key: Key?
    public var value: Value?
    public var timestamp: Int64
    public var child: String?

    public init(key: Key?, value: Value?, timestamp: Int64, child: String? = nil) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.child = child
    }
}

extension TestRecord: Equatable where Key: Equatable, Value: Equatable {}

/// A record the processor rejected, with its reason: what the host sends to the
/// dead-letter topic.
public struct DeadLetter: Equatable, Sendable {
    public var key: [UInt8]?
    public var value: [UInt8]?
    public var timestamp: Int64
    /// The record's offset in its input topic (records piped into a driver count from 0).
    public var offset: Int64
    public var reason: String
    /// The topology node that failed the record (`TopologyTestDriver`); nil for a single processor.
    public var node: String?

    public init(key: [UInt8]?, value: [UInt8]?, timestamp: Int64, offset: Int64, reason: String, node: String? = nil) {
        self.key = key
        self.value = value
        self.timestamp = timestamp
        self.offset = offset
        self.reason = reason
        self.node = node
    }
}

/// The test driver could not do what was asked.
public enum TestDriverError: Error, CustomStringConvertible, Equatable {
    case unknownProcessor(String, plugin: String, available: [String])
    case unknownStore(String, processor: String)
    case failed(processor: String, message: String)
    case unknownTopic(String, known: [String])

    public var description: String {
        switch self {
        case .unknownProcessor(let name, let plugin, let available):
            return "plugin \(plugin) has no processor \(name); it has: \(available.joined(separator: ", "))"
        case .unknownStore(let name, let processor):
            return "processor \(processor) declares no store \(name)"
        case .failed(let processor, let message):
            return "processor \(processor) failed: \(message)"
        case .unknownTopic(let topic, let known):
            return "the topology reads no topic \(topic); it reads: \(known.joined(separator: ", "))"
        }
    }
}
