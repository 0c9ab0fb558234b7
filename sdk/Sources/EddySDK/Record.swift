/// One record handed to `Processor.process`: key, value, timestamp, headers and where it
/// came from.
///
/// A `Record` is a view of data the host lends for the duration of `process`: read what you
/// need inside `process` (every accessor copies or decodes), and do not keep the `Record`
/// itself. Forwarding it unchanged with `context.forward(record)` costs no copy.
public struct Record {
    @usableFromInline
    let raw: UnsafePointer<eddy_record>

    /// Wraps a record view. For hosts and the test driver; processors receive records.
    @_spi(EddyHost)
    @inlinable
    public init(unsafeRecord raw: UnsafePointer<eddy_record>) {
        self.raw = raw
    }

    /// Wraps a record view the host lent (for the SDK's own inlinable code).
    @usableFromInline
    init(lent raw: UnsafePointer<eddy_record>) {
        self.raw = raw
    }

    /// The record view, for hosts and the test driver.
    @_spi(EddyHost)
    @inlinable
    public var unsafeRecord: UnsafePointer<eddy_record> { raw }

    /// The key bytes, or nil for a null key.
    public var key: [UInt8]? { raw.pointee.key.bytes }

    /// The value bytes, or nil for a null value (a tombstone).
    public var value: [UInt8]? { raw.pointee.value.bytes }

    /// The key decoded with `serde`, or nil for a null key.
    @inlinable
    public func key<S: Serde>(_ serde: S) throws -> S.Value? {
        guard let buffer = raw.pointee.key.buffer else { return nil }
        return try serde.deserializeKey(buffer)
    }

    /// The value decoded with `serde`, or nil for a null value.
    @inlinable
    public func value<S: Serde>(_ serde: S) throws -> S.Value? {
        guard let buffer = raw.pointee.value.buffer else { return nil }
        return try serde.deserialize(buffer)
    }

    /// Event time in milliseconds since the Unix epoch.
    @inlinable
    public var timestamp: Int64 { raw.pointee.timestamp }

    /// The source topic, or nil when unknown (e.g. a record forwarded from a punctuation).
    public var topic: String? {
        let topic = raw.pointee.topic
        return topic.isPresent ? topic.string : nil
    }

    /// The source partition, or nil when unknown.
    public var partition: Int32? { raw.pointee.partition < 0 ? nil : raw.pointee.partition }

    /// The source offset, or nil when unknown.
    public var offset: Int64? { raw.pointee.offset < 0 ? nil : raw.pointee.offset }

    /// The record's headers, in order.
    public var headers: [Header] {
        let count = raw.pointee.header_count
        guard count > 0 else { return [] }
        return (0..<count).map { index in
            let header = eddy_record_header(raw, index)!.pointee
            return Header(key: header.key.string, value: header.value.bytes)
        }
    }

    /// The value of the last header named `key`, or nil when there is none or it is null.
    public func header(_ key: String) -> [UInt8]? {
        headers.last { $0.key == key }?.value
    }
}

/// A record header: a string key and an optional byte value (Kafka headers).
public struct Header: Hashable, Sendable {
    /// Header key.
    public var key: String
    /// Header value; nil for a null value.
    public var value: [UInt8]?

    public init(key: String, value: [UInt8]?) {
        self.key = key
        self.value = value
    }

    /// A header whose value is `text` in UTF-8.
    public init(key: String, text: String) {
        self.init(key: key, value: Array(text.utf8))
    }
}
