import EddySDK

/// Reads a key out of a JSON value by a field path (`customer` or `order.shop.id`), for the
/// application file's key selectors: a string field gives its text (escapes decoded), a
/// number or boolean its JSON text, as the application file's `select_key` does; a missing
/// field, `null`, an object or an array gives none. Scans the bytes in place: nothing is
/// allocated but the decoded text of a string with escapes, in the caller's arena.
struct JSONFieldKey {
    /// The path's field names, as UTF-8.
    let path: [[UInt8]]

    init(_ path: String) {
        self.path = path.split(separator: ".", omittingEmptySubsequences: false).map { Array($0.utf8) }
    }

    /// The key `path` names in `value`, in `arena` when decoded; absent when there is none.
    func key(of value: eddy_bytes, arena: ByteArena) -> eddy_bytes {
        guard let bytes = value.buffer else { return .absent }
        var scanner = Scanner(bytes: bytes)
        for (depth, name) in path.enumerated() {
            guard scanner.enterObject(), scanner.findMember(name) else { return .absent }
            if depth == path.count - 1 { return scanner.keyText(arena: arena) }
        }
        return .absent
    }

    /// A cursor over JSON bytes.
    private struct Scanner {
        let bytes: UnsafeRawBufferPointer
        var at = 0

        init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

        private var current: UInt8? { at < bytes.count ? bytes[at] : nil }

        private mutating func skipSpace() {
            while let byte = current, byte == 0x20 || byte == 0x0A || byte == 0x0D || byte == 0x09 { at += 1 }
        }

        /// Steps into an object's `{`.
        mutating func enterObject() -> Bool {
            skipSpace()
            guard current == UInt8(ascii: "{") else { return false }
            at += 1
            return true
        }

        /// Moves to the value of member `name` of the object just entered.
        mutating func findMember(_ name: [UInt8]) -> Bool {
            while true {
                skipSpace()
                if current == UInt8(ascii: ",") {
                    at += 1
                    skipSpace()
                }
                guard current == UInt8(ascii: "\"") else { return false }
                let (start, end) = stringSpan()
                skipSpace()
                guard current == UInt8(ascii: ":") else { return false }
                at += 1
                skipSpace()
                if name.elementsEqual(UnsafeRawBufferPointer(rebasing: bytes[start..<end])) {
                    return true
                }
                guard skipValue() else { return false }
            }
        }

        /// The span of the string starting at the cursor (its quotes excluded); moves past it.
        private mutating func stringSpan() -> (Int, Int) {
            at += 1
            let start = at
            while let byte = current, byte != UInt8(ascii: "\"") { at += byte == UInt8(ascii: "\\") ? 2 : 1 }
            let end = min(at, bytes.count)
            at += 1
            return (start, end)
        }

        /// Moves past the value at the cursor; false when the JSON ends first.
        private mutating func skipValue() -> Bool {
            var depth = 0
            while let byte = current {
                switch byte {
                case UInt8(ascii: "\""):
                    _ = stringSpan()
                    if depth == 0 { return true }
                    continue
                case UInt8(ascii: "{"), UInt8(ascii: "["):
                    depth += 1
                case UInt8(ascii: "}"), UInt8(ascii: "]"):
                    if depth == 0 { return true }
                    depth -= 1
                    if depth == 0 {
                        at += 1
                        return true
                    }
                case UInt8(ascii: ","):
                    if depth == 0 { return true }
                default:
                    break
                }
                at += 1
            }
            return false
        }

        /// The value at the cursor as key bytes.
        mutating func keyText(arena: ByteArena) -> eddy_bytes {
            guard let first = current else { return .absent }
            if first == UInt8(ascii: "\"") {
                let (start, end) = stringSpan()
                let text = UnsafeRawBufferPointer(rebasing: bytes[start..<end])
                guard text.contains(UInt8(ascii: "\\")) else { return eddy_bytes(borrowing: text) }
                return Self.unescaped(text, arena: arena)
            }
            let start = at
            while let byte = current, byte != UInt8(ascii: ","), byte != UInt8(ascii: "}"), byte != UInt8(ascii: "]"),
                byte != 0x20,
                byte != 0x0A, byte != 0x0D, byte != 0x09
            {
                at += 1
            }
            let text = UnsafeRawBufferPointer(rebasing: bytes[start..<at])
            guard let head = text.first,
                head == UInt8(ascii: "-") || (head >= UInt8(ascii: "0") && head <= UInt8(ascii: "9"))
                    || text.elementsEqual("true".utf8) || text.elementsEqual("false".utf8)
            else { return .absent }
            return eddy_bytes(borrowing: text)
        }

        /// A JSON string's text with its escapes decoded, in `arena`.
        private static func unescaped(_ text: UnsafeRawBufferPointer, arena: ByteArena) -> eddy_bytes {
            var out: [UInt8] = []
            out.reserveCapacity(text.count)
            var index = 0
            while index < text.count {
                let byte = text[index]
                guard byte == UInt8(ascii: "\\"), index + 1 < text.count else {
                    out.append(byte)
                    index += 1
                    continue
                }
                let escaped = text[index + 1]
                index += 2
                switch escaped {
                case UInt8(ascii: "b"): out.append(0x08)
                case UInt8(ascii: "f"): out.append(0x0C)
                case UInt8(ascii: "n"): out.append(0x0A)
                case UInt8(ascii: "r"): out.append(0x0D)
                case UInt8(ascii: "t"): out.append(0x09)
                case UInt8(ascii: "u"):
                    guard index + 4 <= text.count,
                        let unit = UInt32(String(decoding: text[index..<index + 4], as: UTF8.self), radix: 16)
                    else {
                        break
                    }
                    index += 4
                    var scalar = unit
                    // A surrogate pair: \uD83D\uDE00.
                    if (0xD800..<0xDC00).contains(unit), index + 6 <= text.count, text[index] == UInt8(ascii: "\\"),
                        text[index + 1] == UInt8(ascii: "u"),
                        let low = UInt32(String(decoding: text[index + 2..<index + 6], as: UTF8.self), radix: 16),
                        (0xDC00..<0xE000).contains(low)
                    {
                        scalar = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00)
                        index += 6
                    }
                    out.append(contentsOf: String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
                default: out.append(escaped)
                }
            }
            return out.withUnsafeBytes { arena.copy($0) }
        }
    }
}
