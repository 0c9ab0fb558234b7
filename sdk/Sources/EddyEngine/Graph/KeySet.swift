import EddySDK

/// The distinct keys among a few records, found without allocating once warm: an
/// open-addressing table of record indices, hashed by key bytes and emptied in O(1) (each
/// slot remembers the generation that filled it).
struct KeySet {
    private var slots: [(generation: UInt32, hash: Int, index: Int32)] = Array(repeating: (0, 0, 0), count: 64)
    private var generation: UInt32 = 1
    private(set) var count = 0

    /// Forgets every key.
    mutating func removeAll() {
        generation &+= 1
        if generation == 0 {
            for slot in slots.indices { slots[slot].generation = 0 }
            generation = 1
        }
        count = 0
    }

    /// Adds the key `key`, which belongs to the record at `index`; false when a key with
    /// the same bytes is already in (`keyOf` gives the bytes of a recorded index).
    mutating func insert(_ key: UnsafeRawBufferPointer, index: Int, keyOf: (Int) -> UnsafeRawBufferPointer) -> Bool {
        if (count + 1) * 2 > slots.count { grow(keyOf) }
        let hash = Self.hash(key)
        var slot = hash & (slots.count - 1)
        while slots[slot].generation == generation {
            if slots[slot].hash == hash, keyOf(Int(slots[slot].index)).elementsEqual(key) { return false }
            slot = (slot + 1) & (slots.count - 1)
        }
        slots[slot] = (generation, hash, Int32(index))
        count += 1
        return true
    }

    private mutating func grow(_ keyOf: (Int) -> UnsafeRawBufferPointer) {
        let old = slots.filter { $0.generation == generation }
        slots = Array(repeating: (0, 0, 0), count: slots.count * 2)
        generation = 1
        for entry in old {
            var slot = entry.hash & (slots.count - 1)
            while slots[slot].generation == generation { slot = (slot + 1) & (slots.count - 1) }
            slots[slot] = (generation, entry.hash, entry.index)
        }
    }

    private static func hash(_ key: UnsafeRawBufferPointer) -> Int {
        var hasher = Hasher()
        hasher.combine(bytes: key)
        return hasher.finalize()
    }
}
