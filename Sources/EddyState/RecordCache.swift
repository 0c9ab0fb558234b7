/// The write-back cache in front of one store: its uncommitted writes, and the values it
/// committed last, kept as a read cache.
///
/// Writes land here only, de-duplicated per key (a thousand updates of one key between two
/// commits are one dirty entry). Reads consult it before the backing store, and a tombstone
/// here hides the backing store's value. At commit the dirty entries go, in key order, to
/// the changelog and then, with the checkpoint, into the store in one batch; they stay as
/// clean entries while the shared budget has room, so the next read of a key that was just
/// written does not go to RocksDB.
///
/// Entries sit unordered in an array, found through an ``EntryHashTable``; the last entry
/// found is remembered, so `count`'s get-then-put of one key hashes once. Key order is paid
/// only where it is needed: a commit sorts the dirty entries once, and scans sort the whole
/// cache once and then insert the keys added since into a chunked order (``KeyOrder``).
struct RecordCache {
    /// Bytes charged per entry beyond its key and value: the allocation header of its bytes
    /// and malloc's rounding (~48), the entry itself (48), its hash-table cells (16–32) and
    /// its numbers in the dirty and order lists (8–16).
    static let entryOverhead = 128

    private(set) var entries: [CacheEntry] = []
    private var table = EntryHashTable()
    /// The dirty entries' numbers; in key order when `dirtyIsSorted`.
    private(set) var dirty: [Int] = []
    private var dirtyIsSorted = true
    /// The entry found last, tried before hashing (-1: none).
    private var recent = -1
    /// Every entry's number in key order, once a scan asked for it.
    private var order = KeyOrder()
    /// Bytes charged for all entries, and for the dirty ones.
    private(set) var bytes = 0
    private(set) var dirtyBytes = 0
    let budget: RecordCacheBudget

    init(budget: RecordCacheBudget) {
        self.budget = budget
    }

    /// Entries, dirty and clean.
    var count: Int { entries.count }
    var isEmpty: Bool { entries.isEmpty }
    var dirtyCount: Int { dirty.count }

    // MARK: - Reads and writes

    /// The number of the entry for `key`, or nil when the cache has none (a miss).
    @inline(__always)
    mutating func find(_ key: UnsafeRawBufferPointer) -> Int? {
        locate(key).found
    }

    /// The entry for `key` (its bytes shared, not copied), or nil on a miss.
    @inline(__always)
    mutating func entry(_ key: UnsafeRawBufferPointer) -> CacheEntry? {
        find(key).map { entries[$0] }
    }

    /// Records a put (`value != nil`) or a delete (`value == nil`) of `key`.
    mutating func write(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) {
        let (found, hash) = locate(key)
        if let found { return update(found, value) }
        let entry = CacheEntry(key: key, hash: hash, value: value)
        let number = entries.count
        entries.append(entry)
        table.insert(hash, number)
        dirty.append(number)
        dirtyIsSorted = dirty.count == 1
        order.added(number)
        recent = number
        let size = key.count + entry.valueCount + Self.entryOverhead
        charge(size, dirty: size)
    }

    /// The entries in key order, dirty and clean (a clean entry repeats the store's value,
    /// which a merged scan reads from the store instead).
    mutating func ordered() -> OrderedCacheView {
        order.update(entries)
        return OrderedCacheView(entries: entries, chunks: order.chunks)
    }

    /// Drops the entries whose keys are in `[from, to)`, dirty or clean, renumbering the rest.
    mutating func removeAll(from: UnsafeRawBufferPointer, to: UnsafeRawBufferPointer) {
        let kept = entries.filter { entry in entry.withKey { compareBytes($0, from) < 0 || compareBytes($0, to) >= 0 } }
        guard kept.count < entries.count else { return }
        removeAll()
        for entry in kept { adopt(entry) }
    }

    // MARK: - Commit

    /// Calls `body` with every dirty entry's key and value (nil for a tombstone), borrowed
    /// for the call; in key order once ``sortDirty()`` ran.
    func forEachDirty(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer?) throws -> Void) rethrows {
        // Over copies (shared until written), so that `body` cannot invalidate what it reads.
        let entries = entries
        for number in dirty { try entries[number].withEntry(body) }
    }

    /// Sorts the dirty entries by key, once per commit.
    mutating func sortDirty() {
        guard !dirtyIsSorted else { return }
        let entries = entries
        dirty.sort { CacheEntry.precedes(entries[$0], entries[$1]) }
        dirtyIsSorted = true
    }

    /// After a commit wrote the dirty entries: keeps them as clean entries when
    /// `keepingClean`, or drops every entry.
    mutating func committed(keepingClean: Bool) {
        guard keepingClean else { return removeAll() }
        for number in dirty { entries[number].isDirty = false }
        dirty.removeAll(keepingCapacity: true)
        dirtyIsSorted = true
        dirtyBytes = 0
    }

    /// Drops every entry and returns their bytes to the budget.
    mutating func removeAll() {
        budget.charge(-bytes)
        bytes = 0
        dirtyBytes = 0
        entries = []
        table.removeAll()
        dirty = []
        dirtyIsSorted = true
        order = KeyOrder()
        recent = -1
    }

    // MARK: - Private

    /// The entry for `key` and remembers it, or nil and the key's hash. The remembered entry
    /// is tried first, without hashing.
    @inline(__always)
    private mutating func locate(_ key: UnsafeRawBufferPointer) -> (found: Int?, hash: UInt64) {
        if recent >= 0, entries[recent].hasKey(key) { return (recent, 0) }
        let hash = hashKey(key)
        guard let found = table.find(hash, { entries[$0].hash == hash && entries[$0].hasKey(key) }) else {
            return (nil, hash)
        }
        recent = found
        return (found, hash)
    }

    /// Adds an entry kept from before a rebuild, dirty or clean as it was.
    private mutating func adopt(_ entry: CacheEntry) {
        let number = entries.count
        entries.append(entry)
        table.insert(entry.hash, number)
        let size = entry.keyCount + entry.valueCount + Self.entryOverhead
        if entry.isDirty {
            dirty.append(number)
            dirtyIsSorted = false
            charge(size, dirty: size)
        } else {
            charge(size, dirty: 0)
        }
    }

    private mutating func update(_ number: Int, _ value: UnsafeRawBufferPointer?) {
        let before = entries[number].valueCount
        entries[number].setValue(value)
        let delta = entries[number].valueCount - before
        if entries[number].isDirty {
            charge(delta, dirty: delta)
        } else {
            entries[number].isDirty = true
            dirty.append(number)
            dirtyIsSorted = false
            charge(delta, dirty: entries[number].keyCount + entries[number].valueCount + Self.entryOverhead)
        }
    }

    private mutating func charge(_ delta: Int, dirty dirtyDelta: Int) {
        bytes += delta
        dirtyBytes += dirtyDelta
        if delta != 0 { budget.charge(delta) }
    }
}
