/// The record cache's entries in key order, built only once a scan needs it.
///
/// Until the first scan nothing is kept (a store that is only read and written by key, such
/// as `count`'s, never pays for order). The first scan sorts every entry; later entries wait
/// in `pending` until the next scan sorts them and merges them in, by binary search and block
/// copies, so a scan after k new keys costs O(k log n) comparisons plus one copy of the list.
struct KeyOrder {
    /// Entry numbers in key order; complete up to `pending` when `isTracking`.
    private(set) var sorted: [Int] = []
    private var pending: [Int] = []
    private var scratch: [Int] = []
    private(set) var isTracking = false

    /// Notes a new entry.
    mutating func added(_ number: Int) {
        if isTracking { pending.append(number) }
    }

    /// Brings `sorted` up to date with `entries`.
    mutating func update(_ entries: [CacheEntry]) {
        guard isTracking else {
            sorted = Array(entries.indices)
            sorted.sort { CacheEntry.precedes(entries[$0], entries[$1]) }
            isTracking = true
            return
        }
        guard !pending.isEmpty else { return }
        pending.sort { CacheEntry.precedes(entries[$0], entries[$1]) }
        scratch.removeAll(keepingCapacity: true)
        scratch.reserveCapacity(sorted.count + pending.count)
        var copied = 0
        for number in pending {
            // The first sorted entry after the new one, among those not copied yet.
            var low = copied
            var high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if CacheEntry.precedes(entries[sorted[mid]], entries[number]) { low = mid + 1 } else { high = mid }
            }
            scratch.append(contentsOf: sorted[copied..<low])
            scratch.append(number)
            copied = low
        }
        scratch.append(contentsOf: sorted[copied...])
        swap(&sorted, &scratch)
        pending.removeAll(keepingCapacity: true)
    }
}
