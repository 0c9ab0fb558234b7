import Foundation

/// Checks that bytes are what a source's serde says they are, so that an undecodable record
/// is caught at the source and handled (dead-letter, skip, or fail) instead of reaching a
/// processor.
enum SerdeCheck {
    /// Why `bytes` cannot be read as `serde`, or nil when they can. Null is always valid.
    static func problem(_ bytes: UnsafeRawBufferPointer?, as serde: SerdeName) -> String? {
        guard let bytes else { return nil }
        switch serde {
        case .bytes:
            return nil
        case .string:
            return isValidUTF8(bytes) ? nil : "not valid UTF-8"
        case .long:
            return bytes.count == 8 ? nil : "\(bytes.count) bytes, but a long is 8 big-endian bytes"
        case .json:
            do {
                _ = try JSONSerialization.jsonObject(with: Data(bytes), options: [.fragmentsAllowed])
                return nil
            } catch {
                return "not valid JSON"
            }
        }
    }

    /// UTF-8 validation without allocating.
    static func isValidUTF8(_ bytes: UnsafeRawBufferPointer) -> Bool {
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = bytes.makeIterator()
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid: continue
            case .emptyInput: return true
            case .error: return false
            }
        }
    }
}
