import Foundation

/// Stored bytes decoded with a serde name from a store's metadata (`string`, `json`, the
/// integer widths, `f64`, anything else as hex; `timestamped:<serde>` without its timestamp),
/// and key text encoded back: how `eddy store` and the interactive queries show a store.
public struct StoredValue {
    /// The value as a line of text output.
    public let text: String
    /// The value as a JSON value: a string or a number.
    public let json: Any

    /// A windowed aggregation's value (`timestamped:<serde>`) prints as its aggregate, without
    /// the timestamp (8 bytes) stored before it.
    public init(_ bytes: UnsafeRawBufferPointer, serde: String) {
        if serde.hasPrefix("timestamped:"), bytes.count >= 8 {
            self.init(decoding: UnsafeRawBufferPointer(rebasing: bytes[8...]), serde: String(serde.dropFirst("timestamped:".count)))
        } else {
            self.init(decoding: bytes, serde: serde)
        }
    }

    private init(decoding bytes: UnsafeRawBufferPointer, serde: String) {
        switch serde {
        case "string", "json":
            if let text = String(validating: bytes, as: UTF8.self) {
                self.text = text
                json = text
                return
            }
        case "f64" where bytes.count == 8:
            let number = Double(bitPattern: Self.bigEndian(bytes))
            text = String(number)
            json = number
            return
        default:
            if let width = Self.integerWidths[serde], width == bytes.count {
                let raw = Self.bigEndian(bytes)
                let signed = serde == "long" || serde.hasPrefix("i")
                let shift = UInt64(64 - width * 8)
                let number: Any = signed ? Int64(bitPattern: raw << shift) >> Int64(shift) : raw
                text = "\(number)"
                json = number
                return
            }
        }
        let hex = bytes.map { String($0, radix: 16).leftPadded(to: 2) }.joined()
        text = hex
        json = hex
    }

    /// The bytes of `text` under `serde`, for looking a key up.
    public static func encode(_ text: String, serde: String, store: String) throws -> [UInt8] {
        switch serde {
        case "string", "json":
            return Array(text.utf8)
        case "f64":
            guard let number = Double(text) else {
                throw StoredKeyError("key '\(text)' is not a number, but store '\(store)' declares f64 keys")
            }
            return withUnsafeBytes(of: number.bitPattern.bigEndian) { Array($0) }
        default:
            if let width = integerWidths[serde] {
                let signed = serde == "long" || serde.hasPrefix("i")
                let value: UInt64? = signed ? Int64(text).map { UInt64(bitPattern: $0) } : UInt64(text)
                guard let value, width == 8 || (signed ? fitsSigned(Int64(bitPattern: value), width) : value >> (width * 8) == 0) else {
                    throw StoredKeyError("key '\(text)' is not a \(serde) number, but store '\(store)' declares \(serde) keys")
                }
                return withUnsafeBytes(of: value.bigEndian) { Array($0.suffix(width)) }
            }
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
                    "key '\(text)' is not hex, but store '\(store)' declares \(serde) keys — write the key as hex digits, e.g. 0a1b")
            }
            return bytes
        }
    }

    public static func jsonLine(_ object: [String: Any]) -> String {
        let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    // MARK: - Private

    private static let integerWidths = ["long": 8, "i64": 8, "u64": 8, "i32": 4, "u32": 4, "i16": 2, "u16": 2, "i8": 1, "u8": 1]

    private static func bigEndian(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        bytes.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }

    private static func fitsSigned(_ value: Int64, _ width: Int) -> Bool {
        let bits = Int64(width * 8)
        return value >= -(1 << (bits - 1)) && value < (1 << (bits - 1))
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
