/// A snapshot of the record cache in key order, for a merged scan: later writes to the cache
/// do not disturb it (both arrays are copied on write).
struct OrderedCacheView {
    let entries: [CacheEntry]
    let order: [Int]

    var endIndex: Int { order.count }

    /// The first index whose key is not less than `key`, or 0 when `key` is nil.
    func start(atOrAfter key: UnsafeRawBufferPointer?) -> Int {
        guard let key else { return 0 }
        let prefix = bytePrefix(key)
        var low = 0
        var high = order.count
        while low < high {
            let mid = (low + high) / 2
            if entries[order[mid]].compare(key, prefix: prefix) < 0 { low = mid + 1 } else { high = mid }
        }
        return low
    }

    func entry(at index: Int) -> CacheEntry { entries[order[index]] }
}
