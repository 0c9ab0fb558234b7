#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// Turns values into bytes and back, for record keys and values and for store contents.
///
/// Serdes are small stateless values; pick one with a static member such as `.string`,
/// `.int64`, `.bytes` or `.json(Order.self)`. The `name` is what a store declaration
/// records (`eddy_store_decl.key_serde`), so operators can see how a store is encoded.
public protocol Serde: Sendable {
    /// The Swift type this serde encodes.
    associatedtype Value
    /// The serde's name in store declarations: "bytes", "string", "i64", "i32", "f64", "json".
    var name: String { get }
    /// Encodes `value` and passes the encoded bytes to `body`, which must not keep them.
    func serialize<R>(_ value: Value, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R
    /// Decodes a value from `bytes`, which are only valid during the call.
    func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> Value
}

/// Bytes could not be decoded: which serde, whether they were a key or a value, and what was
/// wrong.
public struct SerdeError: Error, CustomStringConvertible, Equatable {
    /// What the bytes were, so that an error about a key does not send its reader to the value.
    public enum Part: String, Sendable {
        case key, value
    }

    /// The serde's name.
    public let serde: String
    /// What was wrong with the bytes.
    public let reason: String
    /// Whether the bytes were a key or a value.
    public var part: Part
    public var description: String { "cannot decode \(serde) \(part.rawValue): \(reason)" }

    public init(serde: String, reason: String, part: Part = .value) {
        self.serde = serde
        self.reason = reason
        self.part = part
    }
}

extension Serde {
    /// Decodes a key from `bytes`, which are only valid during the call: ``deserialize(_:)``
    /// with a failure that says it was a key.
    @inlinable
    public func deserializeKey(_ bytes: UnsafeRawBufferPointer) throws -> Value {
        do {
            return try deserialize(bytes)
        } catch var error as SerdeError {
            error.part = .key
            throw error
        }
    }
}

/// Raw bytes, unchanged.
public struct BytesSerde: Serde {
    public init() {}
    public var name: String { "bytes" }
    @inlinable
    public func serialize<R>(_ value: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try value.withUnsafeBytes(body)
    }
    @inlinable
    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> [UInt8] { Array(bytes) }
}

/// UTF-8 text. Decoding refuses bytes that are not valid UTF-8.
public struct StringSerde: Serde {
    public init() {}
    public var name: String { "string" }
    @inlinable
    public func serialize<R>(_ value: String, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        var text = value
        return try text.withUTF8 { try body(UnsafeRawBufferPointer($0)) }
    }
    @inlinable
    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> String {
        guard let text = String(validating: bytes.assumingMemoryBound(to: UInt8.self), as: UTF8.self) else {
            throw SerdeError(serde: "string", reason: "the \(bytes.count) bytes are not valid UTF-8")
        }
        return text
    }
}

/// A fixed-width integer in big-endian byte order (Kafka's `LongSerializer` layout for 64 bits).
public struct BigEndianIntegerSerde<Value: FixedWidthInteger & Sendable>: Serde {
    public init() {}
    public var name: String { (Value.isSigned ? "i" : "u") + String(Value.bitWidth) }
    @inlinable
    public func serialize<R>(_ value: Value, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withUnsafeBytes(of: value.bigEndian, body)
    }
    @inlinable
    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> Value {
        guard bytes.count == MemoryLayout<Value>.size else {
            throw SerdeError(
                serde: name,
                reason: "expected \(MemoryLayout<Value>.size) bytes, got \(bytes.count)")
        }
        return Value(bigEndian: bytes.loadUnaligned(as: Value.self))
    }
}

/// A 64-bit IEEE 754 double in big-endian byte order (Kafka's `DoubleSerializer` layout).
public struct Float64Serde: Serde {
    public init() {}
    public var name: String { "f64" }
    @inlinable
    public func serialize<R>(_ value: Double, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try withUnsafeBytes(of: value.bitPattern.bigEndian, body)
    }
    @inlinable
    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> Double {
        Double(bitPattern: try BigEndianIntegerSerde<UInt64>().deserialize(bytes))
    }
}

/// JSON through `Codable`. Encodes with sorted keys, so equal values give equal bytes.
public struct JSONSerde<Value: Codable>: Serde {
    public init(_ type: Value.Type = Value.self) {}
    public var name: String { "json" }
    public func serialize<R>(_ value: Value, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(value)
        return try data.withUnsafeBytes(body)
    }
    public func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> Value {
        do {
            return try JSONDecoder().decode(Value.self, from: Data(bytes))
        } catch {
            throw SerdeError(serde: "json", reason: "\(error)")
        }
    }
}

// MARK: - Static members, so call sites read `.string`, `.int64`, `.json(Order.self)`

extension Serde where Self == BytesSerde {
    /// Raw bytes.
    public static var bytes: BytesSerde { BytesSerde() }
}

extension Serde where Self == StringSerde {
    /// UTF-8 text.
    public static var string: StringSerde { StringSerde() }
}

extension Serde where Self == BigEndianIntegerSerde<Int64> {
    /// Big-endian signed 64-bit integers.
    public static var int64: BigEndianIntegerSerde<Int64> { .init() }
}

extension Serde where Self == BigEndianIntegerSerde<Int32> {
    /// Big-endian signed 32-bit integers.
    public static var int32: BigEndianIntegerSerde<Int32> { .init() }
}

extension Serde where Self == BigEndianIntegerSerde<UInt64> {
    /// Big-endian unsigned 64-bit integers.
    public static var uint64: BigEndianIntegerSerde<UInt64> { .init() }
}

extension Serde where Self == Float64Serde {
    /// Big-endian IEEE 754 doubles.
    public static var float64: Float64Serde { Float64Serde() }
}

extension Serde {
    /// JSON via `Codable` for `type`.
    public static func json<T: Codable>(_ type: T.Type) -> JSONSerde<T> where Self == JSONSerde<T> {
        JSONSerde(type)
    }
}
