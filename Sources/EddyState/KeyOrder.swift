/// The record cache's entries in key order, built only once a scan needs it.
///
/// Until the first scan nothing is kept (a store that is only read and written by key, such
/// as `count`'s, never pays for order). The first scan sorts every entry; later entries wait
/// in `pending` until the next scan inserts them. The order is kept in chunks of at most
/// `2 * chunkCapacity` entry numbers, so inserting one key moves at most one chunk: a scan
/// after each new key (a session store's find-then-put) costs O(log n + chunk), not a copy
/// of the whole list.
struct KeyOrder {
    /// A place in the order: chunk number and index inside it. `chunk == chunks.count` is the end.
    struct Position: Equatable {
        var chunk: Int
        var index: Int
    }

    static let chunkCapacity = 64

    /// Entry numbers in key order, chunk by chunk; complete up to `pending` when `isTracking`.
    private(set) var chunks: [[Int]] = []
    private var pending: [Int] = []
    private(set) var isTracking = false

    /// Notes a new entry.
    mutating func added(_ number: Int) {
        if isTracking { pending.append(number) }
    }

    /// Brings the order up to date with `entries`.
    mutating func update(_ entries: [CacheEntry]) {
        guard isTracking else {
            var sorted = Array(entries.indices)
            sorted.sort { CacheEntry.precedes(entries[$0], entries[$1]) }
            chunks = stride(from: 0, to: sorted.count, by: Self.chunkCapacity).map {
                Array(sorted[$0..<min($0 + Self.chunkCapacity, sorted.count)])
            }
            isTracking = true
            return
        }
        for number in pending { insert(number, entries) }
        pending.removeAll(keepingCapacity: true)
    }

    // MARK: - Private

    private mutating func insert(_ number: Int, _ entries: [CacheEntry]) {
        guard !chunks.isEmpty else {
            chunks = [[number]]
            return
        }
        let entry = entries[number]
        // The first chunk whose last entry does not precede the new one (or the last chunk).
        var low = 0
        var high = chunks.count - 1
        while low < high {
            let mid = (low + high) / 2
            if CacheEntry.precedes(entries[chunks[mid][chunks[mid].count - 1]], entry) {
                low = mid + 1
            } else {
                high = mid
            }
        }
        let chunk = low
        var l = 0
        var h = chunks[chunk].count
        while l < h {
            let mid = (l + h) / 2
            if CacheEntry.precedes(entries[chunks[chunk][mid]], entry) { l = mid + 1 } else { h = mid }
        }
        chunks[chunk].insert(number, at: l)
        if chunks[chunk].count > 2 * Self.chunkCapacity {
            let upper = Array(chunks[chunk][Self.chunkCapacity...])
            chunks[chunk].removeSubrange(Self.chunkCapacity...)
            chunks.insert(upper, at: chunk + 1)
        }
    }
}
