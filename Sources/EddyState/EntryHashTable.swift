/// An open-addressing hash table (linear probing) from key hashes to entry numbers of the
/// record cache: the cache's unordered index, so a get or put of a cached key costs one hash
/// and, nearly always, one key comparison.
///
/// A cell packs the hash's high 32 bits (which pick the cell and, compared first, spare most
/// key comparisons) and the entry number plus one; 0 marks an empty cell. Growing re-places
/// cells by those stored bits, without the keys. The table keeps at least twice as many cells
/// as entries. Entries are never removed one by one: the cache clears or rebuilds the table.
struct EntryHashTable {
    private var cells: [UInt64] = []
    private(set) var count = 0

    /// The entry whose hash is `hash` and for which `isMatch` is true, or nil.
    @inline(__always)
    func find(_ hash: UInt64, _ isMatch: (Int) -> Bool) -> Int? {
        guard !cells.isEmpty else { return nil }
        let mask = cells.count - 1
        let tag = hash >> 32
        var i = Int(truncatingIfNeeded: tag) & mask
        while true {
            let cell = cells[i]
            if cell == 0 { return nil }
            if cell >> 32 == tag {
                let entry = Int(truncatingIfNeeded: cell & 0xFFFF_FFFF) - 1
                if isMatch(entry) { return entry }
            }
            i = (i + 1) & mask
        }
    }

    /// Adds `entry` under `hash`; its key must not be in the table yet.
    mutating func insert(_ hash: UInt64, _ entry: Int) {
        if (count + 1) * 2 > cells.count { grow() }
        place(hash & 0xFFFF_FFFF_0000_0000 | UInt64(entry + 1))
        count += 1
    }

    /// Empties the table and frees its cells.
    mutating func removeAll() {
        cells = []
        count = 0
    }

    // MARK: - Private

    private mutating func place(_ cell: UInt64) {
        let mask = cells.count - 1
        var i = Int(truncatingIfNeeded: cell >> 32) & mask
        while cells[i] != 0 { i = (i + 1) & mask }
        cells[i] = cell
    }

    /// Doubles the cells (at least 16) and re-places every occupied one.
    private mutating func grow() {
        let old = cells
        cells = [UInt64](repeating: 0, count: max(16, old.count * 2))
        for cell in old where cell != 0 { place(cell) }
    }
}
