import EddyRuntime

/// Keys as `eddy consume --key-serde` prints them: plain keys as their serde decodes them, windowed keys as Kafka Streams' windowed
/// serdes write them: time and sliding windows `key + start` (8 bytes big-endian each),
/// sessions `key + end + start`.
enum WindowedKeyText {
    static func render(_ bytes: [UInt8], as serde: ConsumeCommand.PrintedKeySerde, windowSize: Int64?) -> String {
        switch serde {
        case .plain(let serde):
            return bytes.withUnsafeBytes { StoredValue($0, serde: serde.rawValue).text }
        case .windowed:
            guard bytes.count >= 8 else { return String(decoding: bytes, as: UTF8.self) }
            let key = String(decoding: bytes.dropLast(8), as: UTF8.self)
            let start = long(bytes.suffix(8))
            return windowSize.map { "\(key)@[\(start),\(start + $0))" } ?? "\(key)@\(start)"
        case .session:
            guard bytes.count >= 16 else { return String(decoding: bytes, as: UTF8.self) }
            let key = String(decoding: bytes.dropLast(16), as: UTF8.self)
            let end = long(bytes.dropLast(8).suffix(8)), start = long(bytes.suffix(8))
            return "\(key)@[\(start),\(end)]"
        }
    }

    private static func long(_ bytes: ArraySlice<UInt8>) -> Int64 {
        bytes.reduce(Int64(0)) { $0 << 8 | Int64($1) }
    }
}
