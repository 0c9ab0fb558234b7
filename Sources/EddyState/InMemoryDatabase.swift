/// The backing map of an in-memory store (`persistent: false`).
///
/// It has no checkpoint on disk: a task that opens an in-memory store always restores it
/// from the start of its changelog.
final class InMemoryDatabase {
    var data = SortedByteMap<[UInt8]>()

    func put(_ key: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer) {
        data.update(key, makeNew: { [] }) { stored, _ in
            stored.removeAll(keepingCapacity: true)
            stored.append(contentsOf: value)
        }
    }

    func delete(_ key: UnsafeRawBufferPointer) {
        data.remove(key)
    }
}
