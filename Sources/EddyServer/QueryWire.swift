import EddyRuntime
import Foundation

/// What one worker sends another for a forwarded query (`?local=…`): the serialized entries
/// of the partitions it answered, in hex, and why it could not answer the others. The worker
/// the client asked decodes them with the store's serdes, so every worker answers alike.
struct QueryWire: Codable {
    struct Entry: Codable {
        var p: Int32
        var k: String
        var v: String
        var s: Int64?
        var e: Int64?
    }

    var partitions: [Int32]
    var entries: [Entry]
    /// Reasons by partition number (as text: JSON object keys).
    var unavailable: [String: String]

    init(_ answer: LocalQueryAnswer) {
        partitions = answer.partitions
        entries = answer.entries.map {
            Entry(p: $0.partition, k: Self.hex($0.key), v: Self.hex($0.value), s: $0.start, e: $0.end)
        }
        unavailable = Dictionary(answer.unavailable.map { ("\($0.key)", $0.value) }) { $1 }
    }

    var answer: LocalQueryAnswer? {
        var entries: [QueriedEntry] = []
        for entry in self.entries {
            guard let key = Self.bytes(entry.k), let value = Self.bytes(entry.v) else { return nil }
            entries.append(QueriedEntry(partition: entry.p, key: key, value: value, start: entry.s, end: entry.e))
        }
        var unavailable: [Int32: String] = [:]
        for (partition, reason) in self.unavailable {
            guard let number = Int32(partition) else { return nil }
            unavailable[number] = reason
        }
        return LocalQueryAnswer(partitions: partitions, entries: entries, unavailable: unavailable)
    }

    private static let digits = Array("0123456789abcdef".utf8)

    static func hex(_ bytes: [UInt8]) -> String {
        var text: [UInt8] = []
        text.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0xf)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    static func bytes(_ hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let high = nibble(utf8[i]), let low = nibble(utf8[i + 1]) else { return nil }
            bytes.append(high << 4 | low)
            i += 2
        }
        return bytes
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        default: nil
        }
    }
}
