/// Checks that bytes are what a source's serde says they are, so that an undecodable record
/// is caught at the source and handled (dead-letter, skip, or fail) instead of reaching a
/// processor.
enum SerdeCheck {
    /// Why `bytes` cannot be read as the serde named `serde` (the SDK's vocabulary), or nil
    /// when they can. Null is always valid; a serde the host does not know (a plugin's own)
    /// is bytes to it.
    static func problem(_ bytes: UnsafeRawBufferPointer?, as serde: String) -> String? {
        guard let bytes else { return nil }
        switch serde {
        case "string":
            return isValidUTF8(bytes) ? nil : "not valid UTF-8"
        case "i64", "long", "u64", "f64":
            return bytes.count == 8 ? nil : "\(bytes.count) bytes, but a \(serde == "i64" ? "long" : serde) is 8 big-endian bytes"
        case "i32":
            return bytes.count == 4 ? nil : "\(bytes.count) bytes, but an i32 is 4 big-endian bytes"
        case "json":
            return JSONScanner.isValid(bytes) ? nil : "not valid JSON"
        default:
            return nil
        }
    }

    /// UTF-8 validation without allocating; ASCII (the common case) is checked 32 bytes at a time.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var index = 0
        while index + 32 <= bytes.count {
            let any = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self)
                | bytes.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self)
            guard any & 0x8080_8080_8080_8080 == 0 else { break }
            index += 32
        }
        while index + 8 <= bytes.count {
            guard bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 == 0 else { break }
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
