import EddyPlugins

/// A single-pass scanner over JSON bytes for the hot path: it validates a value (RFC 8259)
/// and finds the top-level fields of an object — where each value lies and, for scalars,
/// what it is — without building a document. Foundation's parser costs ~4 parses per record
/// in a filter → map_values pipeline; this reads each record once.
struct JSONScanner {
    private let bytes: UnsafeRawBufferPointer
    /// `bytes` as typed bytes, read without bounds checks below `count`.
    private let base: UnsafePointer<UInt8>
    private let count: Int
    private var index = 0

    /// A readable byte for an empty input, whose base address may be nil.
    nonisolated(unsafe) static let emptyByte: UnsafePointer<UInt8> = {
        let byte = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
        byte.initialize(to: 0)
        return UnsafePointer(byte)
    }()

    private init(_ bytes: UnsafeRawBufferPointer) {
        self.bytes = bytes
        base = UnsafePointer(bytes.baseAddress?.assumingMemoryBound(to: UInt8.self) ?? JSONScanner.emptyByte)
        count = bytes.count
    }

    /// Whether `bytes` is exactly one JSON value (surrounded by optional whitespace).
    static func isValid(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var scanner = JSONScanner(bytes)
        guard scanner.skipValue() else { return false }
        scanner.skipWhitespace()
        return scanner.index == bytes.count
    }

    /// A member of a top-level object: the byte ranges of its key (inside the quotes) and value.
    struct IndexedMember {
        let key: Range<Int>
        let value: Range<Int>
    }

    /// Validates `bytes` as exactly one JSON object (whitespace around allowed) and lists its
    /// members into `members` (emptied first, capacity kept); returns the offset of the
    /// closing brace and whether the object is empty, or nil when `bytes` is not an object.
    static func index(_ bytes: UnsafeRawBufferPointer, into members: inout [IndexedMember]) -> (end: Int, empty: Bool)?
    {
        members.removeAll(keepingCapacity: true)
        var scanner = JSONScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.consume(UInt8(ascii: "{")) else { return nil }
        scanner.skipWhitespace()
        var empty = true
        if !scanner.consume(UInt8(ascii: "}")) {
            empty = false
            while true {
                scanner.skipWhitespace()
                let keyStart = scanner.index
                guard scanner.skipString() else { return nil }
                let key = (keyStart + 1)..<(scanner.index - 1)
                scanner.skipWhitespace()
                guard scanner.consume(UInt8(ascii: ":")) else { return nil }
                scanner.skipWhitespace()
                let valueStart = scanner.index
                guard scanner.skipValue() else { return nil }
                members.append(IndexedMember(key: key, value: valueStart..<scanner.index))
                scanner.skipWhitespace()
                if scanner.consume(UInt8(ascii: ",")) { continue }
                guard scanner.consume(UInt8(ascii: "}")) else { return nil }
                break
            }
        }
        let end = scanner.index - 1
        scanner.skipWhitespace()
        return scanner.index == bytes.count ? (end, empty) : nil
    }

    /// The value range of the first member of `members` (an ``index(_:into:)`` of `bytes`)
    /// whose key is `name`.
    static func find(_ name: String, in members: [IndexedMember], of bytes: UnsafeRawBufferPointer) -> Range<Int>? {
        members.first { equals(UnsafeRawBufferPointer(rebasing: bytes[$0.key]), name) }?.value
    }

    /// The value at `range` as a `JSONValue` (scalars directly; objects and arrays parsed).
    static func value(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>) throws -> JSONValue {
        let slice = UnsafeRawBufferPointer(rebasing: bytes[range])
        switch slice.first {
        case UInt8(ascii: "t"): return .bool(true)
        case UInt8(ascii: "f"): return .bool(false)
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "\""):
            if !slice.contains(UInt8(ascii: "\\")) {
                return .string(
                    String(decoding: UnsafeRawBufferPointer(rebasing: slice.dropFirst().dropLast()), as: UTF8.self))
            }
            return try JSONValue(parsing: Array(slice))
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            return try JSONValue(parsing: Array(slice))
        default:
            let text = String(decoding: slice, as: UTF8.self)
            if !slice.contains(where: { $0 == UInt8(ascii: ".") || $0 | 0x20 == UInt8(ascii: "e") }),
                let integer = Int64(text)
            {
                return .integer(integer)
            }
            guard let number = Double(text) else { throw BuiltinError(reason: "'\(text)' is not a number") }
            return .number(number)
        }
    }

    /// The scalar at `range` (a value ``index(_:into:)`` found) as an argument of type `type`,
    /// read straight from the bytes; nil when it needs the general conversion (a string, a
    /// mismatch to report, an integer too long or a decimal too precise for the exact paths).
    static func scalar(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, as type: ABIType) -> TypedValue? {
        let text = UnsafeRawBufferPointer(rebasing: bytes[range])
        switch type {
        case .bool:
            switch text.first {
            case UInt8(ascii: "t"): return .bool(true)
            case UInt8(ascii: "f"): return .bool(false)
            default: return nil
            }
        case .i32:
            return integer(text).flatMap { Int32(exactly: $0) }.map(TypedValue.i32)
        case .i64:
            return integer(text).map(TypedValue.i64)
        case .f64:
            return double(text).map(TypedValue.f64)
        case .str, .bytes:
            return nil
        }
    }

    /// A JSON integer of at most 18 digits (so it cannot overflow), or nil.
    static func integer(_ text: UnsafeRawBufferPointer) -> Int64? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        guard index < text.count, text.count - index <= 18 else { return nil }
        var value: Int64 = 0
        while index < text.count {
            let digit = text[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            value = value &* 10 &+ Int64(digit)
            index += 1
        }
        return negative ? -value : value
    }

    /// A JSON number as a Double when the exact path applies (Clinger's): a mantissa below
    /// 2^53 and a power of ten up to 22, both exact in a Double, so one multiplication or
    /// division rounds correctly. Nil otherwise, for the general parser.
    static func double(_ text: UnsafeRawBufferPointer) -> Double? {
        var index = 0
        let negative = text.first == UInt8(ascii: "-")
        if negative { index = 1 }
        var mantissa: UInt64 = 0
        var exponent = 0
        var fraction = false
        while index < text.count {
            let byte = text[index]
            if byte == UInt8(ascii: ".") {
                fraction = true
            } else {
                let digit = byte &- UInt8(ascii: "0")
                guard digit < 10 else { break }
                mantissa = mantissa &* 10 &+ UInt64(digit)
                guard mantissa < 1 << 53 else { return nil }
                if fraction { exponent -= 1 }
            }
            index += 1
        }
        if index < text.count {
            guard text[index] | 0x20 == UInt8(ascii: "e") else { return nil }
            index += 1
            var sign = 1
            if index < text.count, text[index] == UInt8(ascii: "-") || text[index] == UInt8(ascii: "+") {
                if text[index] == UInt8(ascii: "-") { sign = -1 }
                index += 1
            }
            var given = 0
            while index < text.count {
                let digit = text[index] &- UInt8(ascii: "0")
                guard digit < 10, given < 1000 else { return nil }
                given = given * 10 + Int(digit)
                index += 1
            }
            exponent += sign * given
        }
        guard abs(exponent) <= 22 else { return nil }
        let magnitude =
            exponent >= 0
            ? Double(mantissa) * exactPowersOfTen[exponent] : Double(mantissa) / exactPowersOfTen[-exponent]
        return negative ? -magnitude : magnitude
    }

    /// 10^0 … 10^22, each exactly representable as a Double.
    private static let exactPowersOfTen: [Double] = (0...22).map { power in
        (0..<power).reduce(1.0) { total, _ in total * 10 }
    }

    // MARK: - Grammar

    private static func equals(_ key: UnsafeRawBufferPointer, _ name: String) -> Bool {
        var name = name
        return name.withUTF8 { $0.elementsEqual(key) }
            || (key.contains(UInt8(ascii: "\\"))
                && (try? JSONValue(parsing: [UInt8(ascii: "\"")] + Array(key) + [UInt8(ascii: "\"")])) == .string(name))
    }

    private var current: UInt8? { index < count ? base[index] : nil }

    private mutating func consume(_ byte: UInt8) -> Bool {
        guard current == byte else { return false }
        index += 1
        return true
    }

    private mutating func skipWhitespace() {
        while let c = current, c == 0x20 || c == 0x0A || c == 0x0D || c == 0x09 { index += 1 }
    }

    private mutating func skipValue() -> Bool {
        skipWhitespace()
        switch current {
        case UInt8(ascii: "{"): return skipContainer(close: UInt8(ascii: "}"), members: true)
        case UInt8(ascii: "["): return skipContainer(close: UInt8(ascii: "]"), members: false)
        case UInt8(ascii: "\""): return skipString()
        case UInt8(ascii: "t"): return skipLiteral("true")
        case UInt8(ascii: "f"): return skipLiteral("false")
        case UInt8(ascii: "n"): return skipLiteral("null")
        default: return skipNumber()
        }
    }

    private mutating func skipContainer(close: UInt8, members: Bool) -> Bool {
        index += 1
        skipWhitespace()
        if consume(close) { return true }
        while true {
            skipWhitespace()
            if members {
                guard skipString() else { return false }
                skipWhitespace()
                guard consume(UInt8(ascii: ":")) else { return false }
            }
            guard skipValue() else { return false }
            skipWhitespace()
            if consume(UInt8(ascii: ",")) { continue }
            return consume(close)
        }
    }

    private mutating func skipString() -> Bool {
        guard consume(UInt8(ascii: "\"")) else { return false }
        let start = index
        var ascii = true
        while index < count {
            let c = base[index]
            switch c {
            case UInt8(ascii: "\""):
                let valid = ascii || SerdeCheck.isValidUTF8(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                index += 1
                return valid
            case UInt8(ascii: "\\"):
                index += 1
                guard let escaped = current else { return false }
                if escaped == UInt8(ascii: "u") {
                    guard index + 4 < bytes.count, (1...4).allSatisfy({ bytes[index + $0].isHexDigit }) else {
                        return false
                    }
                    index += 5
                } else {
                    guard "\"\\/bfnrt".utf8.contains(escaped) else { return false }
                    index += 1
                }
            case 0..<0x20:
                return false
            case 0x80...:
                ascii = false
                index += 1
            default:
                index += 1
            }
        }
        return false
    }

    private mutating func skipLiteral(_ literal: StaticString) -> Bool {
        let count = literal.utf8CodeUnitCount
        guard index + count <= bytes.count,
            bytes[index..<(index + count)].elementsEqual(UnsafeBufferPointer(start: literal.utf8Start, count: count))
        else { return false }
        index += count
        return true
    }

    private mutating func skipNumber() -> Bool {
        _ = consume(UInt8(ascii: "-"))
        guard let first = current, first.isDigit else { return false }
        index += 1
        if first != UInt8(ascii: "0") { while current?.isDigit == true { index += 1 } }
        if consume(UInt8(ascii: ".")) {
            guard current?.isDigit == true else { return false }
            while current?.isDigit == true { index += 1 }
        }
        if let e = current, e | 0x20 == UInt8(ascii: "e") {
            index += 1
            if current == UInt8(ascii: "+") || current == UInt8(ascii: "-") { index += 1 }
            guard current?.isDigit == true else { return false }
            while current?.isDigit == true { index += 1 }
        }
        return true
    }
}

extension UInt8 {
    fileprivate var isDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    fileprivate var isHexDigit: Bool {
        isDigit || (self | 0x20 >= UInt8(ascii: "a") && self | 0x20 <= UInt8(ascii: "f"))
    }
}
