#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A value passed to or returned from a typed function.
public enum TypedValue: Equatable, Sendable, CustomStringConvertible {
    case bool(Bool)
    case i32(Int32)
    case i64(Int64)
    case f64(Double)
    case str(String)
    case bytes([UInt8])
    /// The result of a `void` function.
    case void

    /// The value's ABI type; nil for `void`.
    public var type: ABIType? {
        switch self {
        case .bool: return .bool
        case .i32: return .i32
        case .i64: return .i64
        case .f64: return .f64
        case .str: return .str
        case .bytes: return .bytes
        case .void: return nil
        }
    }

    /// How the CLI prints it: `true`, `42`, `0.5`, the text, hex for bytes, `void`.
    public var description: String {
        switch self {
        case .bool(let value): return String(value)
        case .i32(let value): return String(value)
        case .i64(let value): return String(value)
        case .f64(let value): return String(value)
        case .str(let value): return value
        case .bytes(let value): return value.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        case .void: return "void"
        }
    }

    /// Converts a command-line argument to `type`: `true`/`false`, decimal integers, numbers,
    /// text as is; bytes as the UTF-8 of the text, or `hex:` followed by hex digits.
    ///
    /// - Throws: `ArgumentError` naming the argument, its expected type and the bad text.
    public init(argument text: String, as type: ABIType, position: Int, function: String) throws {
        func mismatch(_ expected: String) -> ArgumentError {
            ArgumentError(
                function: function, position: position, type: type, reason: "expects \(expected), got \"\(text)\"")
        }
        switch type {
        case .bool:
            guard text == "true" || text == "false" else { throw mismatch("true or false") }
            self = .bool(text == "true")
        case .i32:
            guard let value = Int32(text) else { throw mismatch("a 32-bit integer") }
            self = .i32(value)
        case .i64:
            guard let value = Int64(text) else { throw mismatch("a 64-bit integer") }
            self = .i64(value)
        case .f64:
            guard let value = Double(text) else { throw mismatch("a number") }
            self = .f64(value)
        case .str:
            self = .str(text)
        case .bytes:
            if text.hasPrefix("hex:") {
                guard let bytes = [UInt8](hex: text.dropFirst(4)) else { throw mismatch("hex digits after hex:") }
                self = .bytes(bytes)
            } else {
                self = .bytes(Array(text.utf8))
            }
        }
    }

    /// Converts a JSON value (a field of a record) to `type`. Numbers must be exact for
    /// integer types; bytes come from a JSON string (its UTF-8).
    ///
    /// - Throws: `ArgumentError` naming the argument, its expected type and what it got.
    public init(json: JSONValue, as type: ABIType, position: Int, function: String) throws {
        func mismatch(_ expected: String) -> ArgumentError {
            ArgumentError(
                function: function, position: position, type: type, reason: "expects \(expected), got JSON \(json.kind)"
            )
        }
        switch (type, json) {
        case (.bool, .bool(let value)): self = .bool(value)
        case (.i32, .integer(let value)):
            guard let exact = Int32(exactly: value) else { throw mismatch("a 32-bit integer") }
            self = .i32(exact)
        case (.i64, .integer(let value)): self = .i64(value)
        case (.f64, .integer(let value)): self = .f64(Double(value))
        case (.f64, .number(let value)): self = .f64(value)
        case (.str, .string(let value)): self = .str(value)
        case (.bytes, .string(let value)): self = .bytes(Array(value.utf8))
        case (.bool, _): throw mismatch("a JSON boolean")
        case (.i32, _), (.i64, _): throw mismatch("a JSON integer")
        case (.f64, _): throw mismatch("a JSON number")
        case (.str, _), (.bytes, _): throw mismatch("a JSON string")
        }
    }
}

/// An argument for a typed function has the wrong type or count.
public struct ArgumentError: Error, CustomStringConvertible, Equatable {
    public let function: String
    /// 1-based argument position; 0 when the count is wrong.
    public let position: Int
    public let type: ABIType?
    public let reason: String

    public init(function: String, position: Int, type: ABIType?, reason: String) {
        self.function = function
        self.position = position
        self.type = type
        self.reason = reason
    }

    public var description: String {
        if position == 0 { return "\(function) \(reason)" }
        return "\(function) argument \(position) (\(type?.rawValue ?? "?")) \(reason)"
    }
}

/// A JSON value, decoded exactly: integers stay integers, so typed-function arguments can
/// be checked without guessing.
public enum JSONValue: Equatable, Sendable, Decodable {
    case null
    case bool(Bool)
    case integer(Int64)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int64.self) {
            self = .integer(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([JSONValue].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: JSONValue].self))
        }
    }

    /// Parses JSON text.
    public init(parsing bytes: [UInt8]) throws {
        self = try JSONDecoder().decode(JSONValue.self, from: Data(bytes))
    }

    /// The field `name` of an object, or nil.
    public subscript(field name: String) -> JSONValue? {
        guard case .object(let fields) = self else { return nil }
        return fields[name]
    }

    /// "null", "boolean", "integer", "number", "string", "array", "object".
    public var kind: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .integer: return "integer"
        case .number: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension [UInt8] {
    fileprivate init?(hex: Substring) {
        guard hex.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            bytes.append(byte)
            index = next
        }
        self = bytes
    }
}
