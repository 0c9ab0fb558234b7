/// The names of the serdes the host understands: one vocabulary for store declarations
/// (`eddy_store_decl.key_serde`), the application file (`key.serde`, `value.serde`),
/// `eddy consume` and `eddy store`, and the topology form. Each name is the ``Serde/name`` of
/// the SDK serde that reads and writes it, so the host decodes with the same code a plugin
/// encodes with.
public enum SerdeName: String, Sendable, CaseIterable {
    /// Raw bytes (``BytesSerde``); the host does not look into them.
    case bytes
    /// UTF-8 text (``StringSerde``).
    case string
    /// JSON text (``JSONSerde``).
    case json
    /// A signed 64-bit integer, 8 bytes big-endian (Kafka Streams' `Serdes.Long`).
    case i64
    /// A signed 32-bit integer, 4 bytes big-endian (Kafka Streams' `Serdes.Integer`).
    case i32
    /// An unsigned 64-bit integer, 8 bytes big-endian.
    case u64
    /// A 64-bit IEEE 754 double, 8 bytes big-endian (Kafka Streams' `Serdes.Double`).
    case f64

    /// The fixed size of an encoded value, or nil for variable-length serdes.
    public var width: Int? {
        switch self {
        case .i64, .u64, .f64: 8
        case .i32: 4
        case .bytes, .string, .json: nil
        }
    }

    /// The Eddy name for a serde named as Kafka Streams or another tool names it (`long`,
    /// `Integer`, `double`, `ByteArray`), so a refusal can say which name to write instead.
    public static func suggestion(for name: String) -> SerdeName? {
        switch name.lowercased() {
        case "long", "int64", "serdes.long": .i64
        case "int", "integer", "int32", "serdes.integer": .i32
        case "double", "float64", "serdes.double": .f64
        case "bytearray", "byte[]", "serdes.bytearray": .bytes
        case "str", "text", "utf8", "serdes.string": .string
        default: nil
        }
    }

    /// Decodes a number this serde encodes (`i64`, `i32`, `u64`, `f64`), or nil when the serde
    /// is not a number or `bytes` are not one of its size.
    public func number(_ bytes: UnsafeRawBufferPointer) -> NumberValue? {
        switch self {
        case .i64: (try? BigEndianIntegerSerde<Int64>().deserialize(bytes)).map(NumberValue.signed)
        case .i32: (try? BigEndianIntegerSerde<Int32>().deserialize(bytes)).map { .signed(Int64($0)) }
        case .u64: (try? BigEndianIntegerSerde<UInt64>().deserialize(bytes)).map(NumberValue.unsigned)
        case .f64: (try? Float64Serde().deserialize(bytes)).map(NumberValue.double)
        case .bytes, .string, .json: nil
        }
    }

    /// The bytes of the number written as `text`, or nil when the serde is not a number or
    /// `text` is not one of its values.
    public func encodeNumber(_ text: String) -> [UInt8]? {
        switch self {
        case .i64: Int64(text).flatMap { try? BigEndianIntegerSerde<Int64>().serialize($0) { Array($0) } }
        case .i32: Int32(text).flatMap { try? BigEndianIntegerSerde<Int32>().serialize($0) { Array($0) } }
        case .u64: UInt64(text).flatMap { try? BigEndianIntegerSerde<UInt64>().serialize($0) { Array($0) } }
        case .f64: Double(text).flatMap { try? Float64Serde().serialize($0) { Array($0) } }
        case .bytes, .string, .json: nil
        }
    }
}

/// A decoded number of a numeric ``SerdeName``.
public enum NumberValue: Sendable, Equatable, CustomStringConvertible {
    case signed(Int64)
    case unsigned(UInt64)
    case double(Double)

    public var description: String {
        switch self {
        case .signed(let value): String(value)
        case .unsigned(let value): String(value)
        case .double(let value): String(value)
        }
    }
}
