/// A snapshot of the record cache in key order, for a merged scan: later writes to the cache
/// do not disturb it (the arrays are copied on write).
struct OrderedCacheView {
    typealias Position = KeyOrder.Position

    let entries: [CacheEntry]
    let chunks: [[Int]]

    /// The first position whose key is not less than `key`, or the start when `key` is nil.
    func start(atOrAfter key: UnsafeRawBufferPointer?) -> Position {
        guard let key else { return Position(chunk: 0, index: 0) }
        let prefix = bytePrefix(key)
        // The first chunk whose last key is not less than `key`.
        var low = 0
        var high = chunks.count
        while low < high {
            let mid = (low + high) / 2
            if entries[chunks[mid][chunks[mid].count - 1]].compare(key, prefix: prefix) < 0 {
                low = mid + 1
            } else {
                high = mid
            }
        }
        guard low < chunks.count else { return Position(chunk: chunks.count, index: 0) }
        let chunk = chunks[low]
        var l = 0
        var h = chunk.count
        while l < h {
            let mid = (l + h) / 2
            if entries[chunk[mid]].compare(key, prefix: prefix) < 0 { l = mid + 1 } else { h = mid }
        }
        return Position(chunk: low, index: l)
    }

    func isValid(_ p: Position) -> Bool { p.chunk < chunks.count }

    /// The position after `p`.
    func after(_ p: Position) -> Position {
        p.index + 1 < chunks[p.chunk].count
            ? Position(chunk: p.chunk, index: p.index + 1) : Position(chunk: p.chunk + 1, index: 0)
    }

    func entry(at p: Position) -> CacheEntry { entries[chunks[p.chunk][p.index]] }
}
