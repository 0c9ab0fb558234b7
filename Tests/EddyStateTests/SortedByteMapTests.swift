import Testing

@testable import EddyState

@Suite struct SortedByteMapTests {
    /// A small deterministic generator (xorshift), so a failure reproduces.
    struct Generator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return state
        }
    }

    /// Keys of 0 to 13 bytes over a 4-letter alphabet, with zeros: many shared prefixes,
    /// keys that are prefixes of others, and ties in the first 8 bytes.
    static func key(_ g: inout Generator) -> [UInt8] {
        let length = Int(g.next() % 14)
        return (0..<length).map { _ in [0, 0x61, 0x80, 0xFF][Int(g.next() % 4)] }
    }

    @Test func matchesASortedReferenceThroughInsertsRemovesAndRangeRemoves() {
        var g = Generator(state: 0x2545_F491_4F6C_DD1D)
        var map = SortedByteMap<Int>()
        var reference: [[UInt8]: Int] = [:]
        for step in 0..<20_000 {
            let key = Self.key(&g)
            switch g.next() % 100 {
            case 0..<60:
                key.withUnsafeBytes { k in map.update(k, makeNew: { 0 }) { value, _ in value = step } }
                reference[key] = step
            case 60..<80:
                let removed = key.withUnsafeBytes { map.remove($0) }
                #expect(removed == reference.removeValue(forKey: key))
            case 80..<82:
                // A narrow range: from the key to the key extended by one byte.
                let (from, to) = (key, key + [UInt8(g.next() % 256)])
                let removed = from.withUnsafeBytes { f in
                    to.withUnsafeBytes { t in map.removeAll(from: f, to: t) { _ in } }
                }
                let doomed = reference.keys.filter {
                    !$0.lexicographicallyPrecedes(from) && $0.lexicographicallyPrecedes(to)
                }
                for k in doomed { reference[k] = nil }
                #expect(removed == doomed.count)
            default:
                let found = key.withUnsafeBytes { map.find($0) }
                #expect(found == reference[key])
            }
        }
        var listed: [([UInt8], Int)] = []
        var p = map.start(atOrAfter: nil)
        while map.isValid(p) {
            let entry = map.entry(at: p)
            listed.append((entry.key, entry.value))
            p = map.position(after: p)
        }
        let expected = reference.sorted { $0.key.lexicographicallyPrecedes($1.key) }
        #expect(map.count == reference.count)
        #expect(listed.map(\.0) == expected.map(\.key))
        #expect(listed.map(\.1) == expected.map(\.value))
        #expect(map.chunks.count > 5)
    }

    @Test func bytePrefixOrdersKeysWheneverPrefixesDiffer() {
        let keys: [[UInt8]] = [
            [], [0], [0, 0], [0x61], [0x61, 0], [0x61, 0, 1], [0x61, 1], Array(repeating: 0xFF, count: 9),
        ]
        for a in keys {
            for b in keys {
                let pa = a.withUnsafeBytes { bytePrefix($0) }
                let pb = b.withUnsafeBytes { bytePrefix($0) }
                if pa < pb { #expect(a.lexicographicallyPrecedes(b)) }
            }
        }
    }
}
