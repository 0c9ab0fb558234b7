import EddyKafka
import EddyPlugins
import EddySDK
import Foundation

/// Conversions between Kafka records, `eddy_record` views and the JSON the built-in
/// operators work on.
extension StreamTask {
    /// A one-byte buffer for empty-but-present keys and values (`ptr` must not be NULL).
    nonisolated(unsafe) static let emptyByte: UnsafePointer<UInt8> = {
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        byte.initialize(to: 0)
        return UnsafePointer(byte)
    }()

    static func slice(_ buffer: UnsafeRawBufferPointer?) -> eddy_bytes {
        guard let buffer else { return eddy_bytes(ptr: nil, len: 0) }
        return eddy_bytes(ptr: buffer.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? emptyByte, len: buffer.count)
    }

    static func buffer(_ bytes: eddy_bytes) -> UnsafeRawBufferPointer? {
        guard let ptr = bytes.ptr else { return nil }
        return UnsafeRawBufferPointer(start: ptr, count: bytes.len)
    }

    /// Calls `body` with an `eddy_record` borrowing these parts (headers copied into a
    /// temporary array only when there are any).
    func withRecord(
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64, topic: ContiguousArray<CChar>, partition: Int32,
        offset: Int64, headers: [KafkaHeader], _ body: (UnsafePointer<eddy_record>) throws -> Void
    ) rethrows {
        try topic.withUnsafeBufferPointer { topicBytes in
            var record = eddy_record()
            record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
            record.key = Self.slice(key)
            record.value = Self.slice(value)
            record.timestamp = timestamp
            record.topic = eddy_str(ptr: topicBytes.baseAddress, len: topicBytes.count - 1)
            record.partition = partition
            record.offset = offset
            guard !headers.isEmpty else { return try body(&record) }
            let keys = headers.map { Array($0.key.utf8) }
            try Self.withHeaderArray(headers, keys, index: 0, into: []) { array in
                try array.withUnsafeBufferPointer { buffer in
                    record.headers = buffer.baseAddress
                    record.header_count = buffer.count
                    try body(&record)
                }
            }
        }
    }

    private static func withHeaderArray(
        _ headers: [KafkaHeader], _ keys: [[UInt8]], index: Int, into built: [eddy_header], _ body: ([eddy_header]) throws -> Void
    ) rethrows {
        guard index < headers.count else { return try body(built) }
        try keys[index].withUnsafeBytes { key in
            try withOptional(headers[index].value) { value in
                var header = eddy_header()
                header.struct_size = UInt32(MemoryLayout<eddy_header>.size)
                header.key = eddy_str(ptr: key.baseAddress?.assumingMemoryBound(to: CChar.self), len: key.count)
                header.value = slice(value)
                try withHeaderArray(headers, keys, index: index + 1, into: built + [header], body)
            }
        }
    }

    /// The headers of a forwarded record, copied for the producer.
    static func headers(_ record: eddy_record) -> [KafkaHeader] {
        guard record.header_count > 0, let base = record.headers else { return [] }
        let stride = Int(base.pointee.struct_size)
        return (0..<record.header_count).map { i in
            let header = (UnsafeRawPointer(base) + i * stride).assumingMemoryBound(to: eddy_header.self).pointee
            let key = header.key.ptr.map { String(decoding: UnsafeRawBufferPointer(start: $0, count: header.key.len), as: UTF8.self) } ?? ""
            return KafkaHeader(key: key, value: buffer(header.value).map { Array($0) })
        }
    }

    // MARK: - JSON for the built-in operators

    /// The record's value bytes, which must be present for a JSON operator.
    static func jsonBytes(_ record: UnsafePointer<eddy_record>) throws -> UnsafeRawBufferPointer {
        guard let value = buffer(record.pointee.value) else {
            throw BuiltinError(reason: "the record has a null value; a JSON object was expected")
        }
        return value
    }

    /// The fields `names` of `value`, whose members are `members`, in order.
    static func fields(
        _ names: [String], of value: UnsafeRawBufferPointer, members: [JSONScanner.IndexedMember], for use: @autoclosure () -> String
    ) throws -> [JSONValue] {
        try names.map { name in
            guard let range = JSONScanner.find(name, in: members, of: value) else {
                throw BuiltinError(reason: "the value has no field '\(name)' \(use())")
            }
            return try JSONScanner.value(value, range)
        }
    }

    /// Writes into `out` `value` with `field` set to `result` (see
    /// ``splice(_:_:into:at:end:empty:writing:)``); `object` and `members` are `value`'s
    /// ``JSONScanner/index(_:into:)``, `object` nil when it is not a JSON object.
    static func setting(
        _ field: OutputField, to result: TypedValue, in value: UnsafeRawBufferPointer, object: (end: Int, empty: Bool)?,
        members: [JSONScanner.IndexedMember], writing out: inout [UInt8]
    ) throws {
        guard let object else { throw BuiltinError(reason: "the value is not a JSON object") }
        splice(
            field, result, into: value, at: JSONScanner.find(field.name, in: members, of: value), end: object.end,
            empty: object.empty, writing: &out)
    }

    /// A field a built-in writes into JSON values, with its member prefix (`"name":`) encoded once.
    struct OutputField {
        let name: String
        let memberPrefix: [UInt8]

        init(_ name: String) {
            self.name = name
            memberPrefix = StreamTask.jsonString(name) + [UInt8(ascii: ":")]
        }
    }

    /// Writes into `out` (emptied first, capacity kept) `value` (an object closing at `end`)
    /// with the value of `field`, at `existing` when the object has it, replaced by
    /// `result`'s JSON text, or the member appended.
    static func splice(
        _ field: OutputField, _ result: TypedValue, into value: UnsafeRawBufferPointer, at existing: Range<Int>?, end: Int, empty: Bool,
        writing out: inout [UInt8]
    ) {
        out.removeAll(keepingCapacity: true)
        out.reserveCapacity(value.count + field.memberPrefix.count + 24)
        if let existing {
            out += value[..<existing.lowerBound]
            appendJSON(result, to: &out)
            out += value[existing.upperBound...]
        } else {
            out += value[..<end]
            if !empty { out.append(UInt8(ascii: ",")) }
            out += field.memberPrefix
            appendJSON(result, to: &out)
            out += value[end...]
        }
    }

    /// A typed function's result as JSON text.
    static func jsonText(_ value: TypedValue) -> [UInt8] {
        var out: [UInt8] = []
        appendJSON(value, to: &out)
        return out
    }

    /// Appends a typed function's result as JSON text (a non-finite number as `null`).
    static func appendJSON(_ value: TypedValue, to out: inout [UInt8]) {
        switch value {
        case .bool(let b): out += b ? "true".utf8 : "false".utf8
        case .i32(let i): appendDecimal(Int64(i), to: &out)
        case .i64(let i): appendDecimal(i, to: &out)
        case .f64(let d): out += d.isFinite ? String(d).utf8 : "null".utf8
        case .str(let s): out += jsonString(s)
        case .bytes(let b): out += jsonString(String(decoding: b, as: UTF8.self))
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
    static func jsonString(_ text: String) -> [UInt8] {
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
        default: throw BuiltinError(reason: "field '\(field)' is an object or array; a key must be a string, number or boolean")
        }
    }
}

/// A built-in operator could not apply to a record.
struct BuiltinError: Error, CustomStringConvertible {
    let reason: String
    var description: String { reason }
}

/// Calls `body` with the bytes of `array`, or nil.
func withOptional<R>(_ array: [UInt8]?, _ body: (UnsafeRawBufferPointer?) throws -> R) rethrows -> R {
    guard let array else { return try body(nil) }
    return try array.withUnsafeBytes { try body($0) }
}
