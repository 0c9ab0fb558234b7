import EddySDK

/// Checks that bytes are what a source's serde says they are, so that an undecodable record
/// is caught at the source and handled (dead-letter, skip, or fail) instead of reaching a
/// processor. Made once per input from the serde's name, then applied per record.
enum SerdeCheck: Equatable {
    /// A serde the host does not look into (`bytes`, or a plugin's own).
    case none
    case utf8
    /// A fixed-width number: `i64`, `u64`, `f64` (8 bytes), `i32` (4 bytes).
    case fixedWidth(Int, name: String)
    case json

    /// The check for the serde named `serde` (``SerdeName``; another name is a plugin's own).
    init(serde: String) {
        switch SerdeName(rawValue: serde) {
        case .string?: self = .utf8
        case .json?: self = .json
        case let numeric?: self = numeric.width.map { .fixedWidth($0, name: serde) } ?? .none
        case nil: self = .none
        }
    }

    /// Why `bytes` cannot be read as this serde, or nil when they can. Null is always valid.
    func problem(_ bytes: UnsafeRawBufferPointer?) -> String? {
        guard let bytes else { return nil }
        switch self {
        case .none:
            return nil
        case .utf8:
            return Self.isValidUTF8(bytes) ? nil : "not valid UTF-8"
        case .fixedWidth(let width, let name):
            return bytes.count == width
                ? nil
                : "\(bytes.count) bytes, but a\(name.first == "i" ? "n" : "") \(name) is \(width) big-endian bytes"
        case .json:
            return JSONScanner.isValid(bytes) ? nil : "not valid JSON"
        }
    }

    /// UTF-8 validation without allocating; ASCII (the common case) is checked 32 bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index + 32 <= bytes.count {
            let any =
                bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            guard any & 0x8080_8080_8080_8080 == 0 else { break }
            index += 32
        }
        while index + 8 <= bytes.count {
            guard bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 else {
                break
            }
            index += 8
        }
        while index < bytes.count, bytes[index] < 0x80 { index += 1 }
        guard index < bytes.count else { return true }
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = UnsafeRawBufferPointer(rebasing: bytes[index...]).makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
