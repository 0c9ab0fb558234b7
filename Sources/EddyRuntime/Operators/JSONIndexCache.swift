/// The JSON index of each input record's value (its members and where the object ends),
/// built once per run however many built-in operators read it: the source's `json` check
/// builds it, and a `filter` and a `map_values` downstream reuse it.
///
/// Kept per origin (the input record's index in the run) and trusted only for the exact
/// bytes it was built from, so an operator that changed the value gets a new index.
final class JSONIndexCache {
    private struct Slot {
        var base: UnsafeRawPointer?
        var count = 0
        var members: [JSONScanner.IndexedMember] = []
        var object: (end: Int, empty: Bool)?
    }

    private var slots: [Slot] = []
    /// For records a punctuation made (origin -1).
    private var loose = Slot()

    /// Forgets every index; `count` input records come next.
    func begin(count: Int) {
        if slots.count < count { slots.append(contentsOf: repeatElement(Slot(), count: count - slots.count)) }
        for index in 0..<min(count, slots.count) { slots[index].base = nil }
        loose.base = nil
    }

    /// The end and emptiness of `value` as a JSON object, indexed once; nil when it is not one.
    func object(_ value: UnsafeRawBufferPointer, origin: Int32) -> (end: Int, empty: Bool)? {
        withSlot(origin) { slot in
            if slot.base == value.baseAddress, slot.count == value.count, slot.base != nil { return slot.object }
            slot.base = value.baseAddress
            slot.count = value.count
            slot.object = JSONScanner.index(value, into: &slot.members)
            return slot.object
        }
    }

    /// The members of the object `value` (call ``object(_:origin:)`` first).
    func members(origin: Int32) -> [JSONScanner.IndexedMember] {
        origin >= 0 && Int(origin) < slots.count ? slots[Int(origin)].members : loose.members
    }

    private func withSlot<R>(_ origin: Int32, _ body: (inout Slot) -> R) -> R {
        if origin >= 0, Int(origin) < slots.count { return body(&slots[Int(origin)]) }
        return body(&loose)
    }
}
