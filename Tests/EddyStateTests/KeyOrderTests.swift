import EddyTestSupport
import Testing

@testable import EddyState

/// ``KeyOrder`` inserts new keys chunk by chunk; its order must always be a full sort's.
@Suite struct KeyOrderTests {
    @Test func insertsBetweenScansMatchAFullSort() {
        var generator = SeededGenerator(seed: 19)
        var entries: [CacheEntry] = []
        var seen: Set<[UInt8]> = []
        var order = KeyOrder()
        for step in 0..<3000 {
            let length = Int(generator.next() % 20)
            let key = (0..<length).map { _ in UInt8(generator.next() % 4) }
            guard seen.insert(key).inserted else { continue }
            key.withUnsafeBytes { entries.append(CacheEntry(key: $0, hash: 0, value: nil)) }
            order.added(entries.count - 1)
            if step % 7 == 0 || step < 10 {
                order.update(entries)
                let listed = order.chunks.flatMap { $0 }
                let sorted = entries.indices.sorted { CacheEntry.precedes(entries[$0], entries[$1]) }
                #expect(listed == sorted, "after \(entries.count) keys")
                #expect(order.chunks.allSatisfy { !$0.isEmpty && $0.count <= 2 * KeyOrder.chunkCapacity })
            }
        }
        #expect(order.chunks.count > 1)
    }
}
