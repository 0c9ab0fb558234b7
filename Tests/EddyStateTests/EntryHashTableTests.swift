import Testing

@testable import EddyState

@Suite struct EntryHashTableTests {
    @Test func collidingHashesAreTellApartByTheMatchAndSurviveGrowth() {
        var table = EntryHashTable()
        // Entry n has hash n / 3: every hash is shared by three entries, and hashes 0…332
        // land in neighbouring cells, so probes run across each other.
        let hashes = (0..<1000).map { UInt64($0 / 3) << 32 | UInt64($0 / 3) }
        for (entry, hash) in hashes.enumerated() { table.insert(hash, entry) }
        #expect(table.count == 1000)
        for (entry, hash) in hashes.enumerated() {
            #expect(table.find(hash) { $0 == entry } == entry)
        }
        #expect(table.find(UInt64(5000) << 32) { _ in true } == nil)
        #expect(table.find(hashes[7]) { _ in false } == nil)
        table.removeAll()
        #expect(table.count == 0)
        #expect(table.find(hashes[7]) { _ in true } == nil)
    }

    @Test func keyHashesOfSimilarKeysDiffer() {
        let keys = (0..<10_000).map { Array("user-\(String(repeating: "0", count: 6))\(String($0))".utf8) }
        let hashes = Set(keys.map { key in key.withUnsafeBytes { hashKey($0) } })
        #expect(hashes.count == keys.count)
        // The tags (high 32 bits) that pick cells are spread too.
        let tags = Set(hashes.map { $0 >> 32 & 0x3FFF })
        #expect(tags.count > 7_000)
        #expect(
            [UInt8]().withUnsafeBytes { hashKey($0) } != [UInt8](repeating: 0, count: 1).withUnsafeBytes { hashKey($0) }
        )
    }
}
