/// A forward cursor over a backing store's entries in key order, as the merged scan needs it.
/// Keys and values are borrowed for the duration of the closure.
protocol StoreCursor {
    var isValid: Bool { get }
    func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R
    func withEntry<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R
    mutating func next()
    func checkError() throws
}

extension RocksDBIterator: StoreCursor {
    func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R { try body(key) }
}

/// A cursor over an in-memory store's map; it holds its own copy of the map, so writes made
/// while a scan runs do not disturb it.
struct InMemoryCursor: StoreCursor {
    private let map: SortedByteMap<[UInt8]>
    private var position: SortedByteMap<[UInt8]>.Position

    init(_ map: SortedByteMap<[UInt8]>, from: UnsafeRawBufferPointer?) {
        self.map = map
        position = map.start(atOrAfter: from)
    }

    var isValid: Bool { map.isValid(position) }

    func withKey<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try map.chunks[position.chunk][position.index].key.withUnsafeBytes(body)
    }

    func withEntry<R>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let entry = map.chunks[position.chunk][position.index]
        return try entry.key.withUnsafeBytes { k in try entry.value.withUnsafeBytes { v in try body(k, v) } }
    }

    mutating func next() { position = map.position(after: position) }

    func checkError() throws {}
}
