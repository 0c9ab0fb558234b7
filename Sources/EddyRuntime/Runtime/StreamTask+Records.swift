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
        key: UnsafeRawBufferPointer?, value: UnsafeRawBufferPointer?, timestamp: Int64, topic: String, partition: Int32,
        offset: Int64, headers: [KafkaHeader], _ body: (UnsafePointer<eddy_record>) throws -> Void
    ) rethrows {
        var topicName = topic
        try topicName.withUTF8 { topicBytes in
            var record = eddy_record()
            record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
            record.key = Self.slice(key)
            record.value = Self.slice(value)
            record.timestamp = timestamp
            record.topic = eddy_str(ptr: UnsafeRawPointer(topicBytes.baseAddress!).assumingMemoryBound(to: CChar.self), len: topicBytes.count)
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

    static func json(_ record: UnsafePointer<eddy_record>) throws -> JSONValue {
        guard let value = buffer(record.pointee.value) else {
            throw BuiltinError(reason: "the record has a null value; a JSON object was expected")
        }
        do {
            return try JSONValue(parsing: Array(value))
        } catch {
            throw BuiltinError(reason: "the value is not valid JSON")
        }
    }

    /// The values of `call.fields` in the record's JSON value, in order.
    static func arguments(_ record: UnsafePointer<eddy_record>, _ call: FunctionCall) throws -> [JSONValue] {
        let object = try json(record)
        return try call.fields.map { field in
            guard let value = object[field: field] else {
                throw BuiltinError(reason: "the value has no field '\(field)' for \(call.plugin).\(call.function)")
            }
            return value
        }
    }

    /// The record's JSON value with `field` set to `result`, serialized with sorted keys.
    static func setting(_ field: String, to result: TypedValue, in record: UnsafePointer<eddy_record>) throws -> [UInt8] {
        guard let value = buffer(record.pointee.value),
            var object = try? JSONSerialization.jsonObject(with: Data(value)) as? [String: Any]
        else { throw BuiltinError(reason: "the value is not a JSON object") }
        switch result {
        case .bool(let b): object[field] = b
        case .i32(let i): object[field] = i
        case .i64(let i): object[field] = i
        case .f64(let d): object[field] = d
        case .str(let s): object[field] = s
        case .bytes(let b): object[field] = String(decoding: b, as: UTF8.self)
        case .void: object[field] = NSNull()
        }
        return Array(try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
    }

    /// A JSON field of the value as key bytes: strings as their UTF-8, numbers and booleans
    /// as their JSON text.
    static func keyField(_ field: String, of record: UnsafePointer<eddy_record>) throws -> [UInt8] {
        switch try json(record)[field: field] {
        case .string(let s)?: return Array(s.utf8)
        case .integer(let i)?: return Array(String(i).utf8)
        case .number(let d)?: return Array(String(d).utf8)
        case .bool(let b)?: return Array(String(b).utf8)
        case nil, .null?: throw BuiltinError(reason: "the value has no field '\(field)' to use as the key")
        default: throw BuiltinError(reason: "field '\(field)' is an object or array; a key must be a string, number or boolean")
        }
    }

    /// A numeric JSON field as a timestamp in ms, or nil.
    static func jsonTimestamp(_ value: UnsafeRawBufferPointer?, field: String) -> Int64? {
        guard let value, let object = try? JSONValue(parsing: Array(value)) else { return nil }
        switch object[field: field] {
        case .integer(let i)?: return i
        case .number(let d)?: return Int64(d)
        default: return nil
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
