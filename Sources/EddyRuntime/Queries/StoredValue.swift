import EddyEngine
import EddySDK
import Foundation

/// Stored bytes decoded with a serde name from a store's metadata, by the SDK's serdes
/// (``SerdeName``: `string`, `json`, `i64`, `i32`, `u64`, `f64`; anything else as hex; `timestamped:<serde>` without its timestamp),
/// and key text encoded back: how `eddy store` and the interactive queries show a store.
public struct StoredValue {
    /// The value as a line of text output.
    public let text: String
    /// The value as a JSON value: a string or a number.
    public let json: Any
    /// The timestamp stored with the value (`timestamped:<serde>`: a table's value, a windowed
    /// aggregate), nil for values stored alone.
    public private(set) var timestamp: Int64?

    /// A table's value or a windowed aggregation's (`timestamped:<serde>`) prints as itself,
    /// without the timestamp (8 bytes) stored before it, which ``timestamp`` holds.
    public init(_ bytes: UnsafeRawBufferPointer, serde: String) {
        if Topology.isTimestamped(valueSerde: serde), bytes.count >= 8 {
            self.init(
                decoding: UnsafeRawBufferPointer(rebasing: bytes[8...]),
                serde: String(serde.dropFirst(Topology.timestampedSerdePrefix.count)))
            timestamp = Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
        } else {
            self.init(decoding: bytes, serde: serde)
        }
    }

    /// `object` with the value's stored timestamp under `timestamp`, when it has one.
    public func addingTimestamp(to object: [String: Any]) -> [String: Any] {
        guard let timestamp else { return object }
        var object = object
        object["timestamp"] = timestamp
        return object
    }

    private init(decoding bytes: UnsafeRawBufferPointer, serde: String) {
        let name = SerdeName(rawValue: serde)
        switch name {
        case .string?, .json?:
            if let text = try? StringSerde().deserialize(bytes) {
                self.text = text
                json = text
                return
            }
        case let numeric?:
            if let number = numeric.number(bytes) {
                text = number.description
                switch number {
                case .signed(let value): json = value
                case .unsigned(let value): json = value
                case .double(let value): json = value
                }
                return
            }
        case nil:
            break
        }
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        text = hex
        json = hex
    }

    /// The bytes of `text` under `serde`, for looking a key up.
    public static func encode(_ text: String, serde: String, store: String) throws -> [UInt8] {
        switch SerdeName(rawValue: serde) {
        case .string?, .json?:
            return Array(text.utf8)
        case let numeric? where numeric.width != nil:
            guard let bytes = numeric.encodeNumber(text) else {
                throw StoredKeyError(
                    "key '\(text)' is not an \(serde) number, but store '\(store)' declares \(serde) keys")
            }
            return bytes
        default:
            let digits = text.hasPrefix("0x") ? String(text.dropFirst(2)) : text
            var bytes: [UInt8] = []
            var index = digits.startIndex
            while index < digits.endIndex, let next = digits.index(index, offsetBy: 2, limitedBy: digits.endIndex),
                let byte = UInt8(digits[index..<next], radix: 16)
            {
                bytes.append(byte)
                index = next
            }
            guard index == digits.endIndex else {
                throw StoredKeyError(
                    "key '\(text)' is not hex, but store '\(store)' declares \(serde) keys — write the key as hex digits, e.g. 0a1b"
                )
            }
            return bytes
        }
    }

    public static func jsonLine(_ object: [String: Any]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// A key's text does not fit the store's key serde.
public struct StoredKeyError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
