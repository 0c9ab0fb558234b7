import EddyPlugins
import EddySDK
import Foundation

/// Reading fields of JSON values and writing typed-function results back as JSON text, for
/// the application file's built-in operators. Writes into caller-owned buffers, so a warm
/// operator allocates nothing per record.
enum JSONText {
    /// The record's value bytes, which must be present for a JSON operator.
    static func valueBytes(_ record: eddy_record) throws -> UnsafeRawBufferPointer {
        guard let value = record.value.buffer else {
            throw BuiltinError(reason: "the record has a null value; a JSON object was expected")
        }
        return value
    }

    /// The fields `names` of `value`, whose members are `members`, in order.
    static func fields(
        _ names: [String], of value: UnsafeRawBufferPointer, members: [JSONScanner.IndexedMember],
        for use: @autoclosure () -> String
    ) throws -> [JSONValue] {
        try names.map { name in
            guard let range = JSONScanner.find(name, in: members, of: value) else {
                throw BuiltinError(reason: "the value has no field '\(name)' \(use())")
            }
            return try JSONScanner.value(value, range)
        }
    }

    /// A field a built-in writes into JSON values, with its member prefix (`"name":`) encoded once.
    struct OutputField {
        let name: String
        let memberPrefix: [UInt8]

        init(_ name: String) {
            self.name = name
            memberPrefix = JSONText.string(name) + [UInt8(ascii: ":")]
        }
    }

    /// Writes into `out` (emptied first, capacity kept) `value` (an object closing at `end`)
    /// with the value of `field`, at `existing` when the object has it, replaced by
    /// `result`'s JSON text, or the member appended.
    static func splice(
        _ field: OutputField, _ result: TypedValue, into value: UnsafeRawBufferPointer, at existing: Range<Int>?,
        end: Int, empty: Bool,
        writing out: inout [UInt8]
    ) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(value.count + field.memberPrefix.count + 24)
        if let existing {
            out += value[..<existing.lowerBound]
            append(result, to: &out)
            out += value[existing.upperBound...]
        } else {
            out += value[..<end]
            if !empty { out.append(UInt8(ascii: ",")) }
            out += field.memberPrefix
            append(result, to: &out)
            out += value[end...]
        }
    }

    /// A typed function's result as JSON text.
    static func text(_ value: TypedValue) -> [UInt8] {
        var out: [UInt8] = []
        append(value, to: &out)
        return out
    }

    /// Appends a typed function's result as JSON text (a non-finite number as `null`).
    static func append(_ value: TypedValue, to out: inout [UInt8]) {
        switch value {
        case .bool(let b): out += b ? "true".utf8 : "false".utf8
        case .i32(let i): appendDecimal(Int64(i), to: &out)
        case .i64(let i): appendDecimal(i, to: &out)
        case .f64(let d): out += d.isFinite ? String(d).utf8 : "null".utf8
        case .str(let s): out += string(s)
        case .bytes(let b): out += string(String(decoding: b, as: UTF8.self))
        case .void: out += "null".utf8
        }
    }

    /// Appends `value` in decimal, without building a String.
    static func appendDecimal(_ value: Int64, to out: inout [UInt8]) {
        if value < 0 { out.append(UInt8(ascii: "-")) }
        var magnitude = value.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // up to 20 digits, least significant first
        var count = 0
        withUnsafeMutableBytes(of: &digits) { buffer in
            repeat {
                buffer[count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            for index in stride(from: count - 1, through: 0, by: -1) { out.append(buffer[index]) }
        }
    }

    /// `text` as a JSON string literal.
    static func string(_ text: String) -> [UInt8] {
        var out: [UInt8] = [UInt8(ascii: "\"")]
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), byte]
            case 0..<0x20: out += Array(String(format: "\\u%04x", byte).utf8)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
        return out
    }

    /// JSON field `field`'s value `value` as key bytes: strings as their UTF-8, numbers and
    /// booleans as their JSON text.
    static func key(_ value: JSONValue, ofField field: String) throws -> [UInt8] {
        switch value {
        case .string(let s): return Array(s.utf8)
        case .integer(let i): return Array(String(i).utf8)
        case .number(let d): return Array(String(d).utf8)
        case .bool(let b): return Array(String(b).utf8)
        case .null: throw BuiltinError(reason: "the value has no field '\(field)' to use as the key")
        default:
            throw BuiltinError(
                reason: "field '\(field)' is an object or array; a key must be a string, number or boolean")
        }
    }
}

/// A built-in operator could not apply to a record.
struct BuiltinError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}
