import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// What a plugin process knows of one key-value store of one instance: the values it read
/// from the worker and the writes it made since, so that reading a key again costs no
/// crossing. The instance is its store's only writer while it lives (a store belongs to one
/// processor node of one task, a hot reload or a restart starts a new instance), and every
/// write the plugin makes goes through here before it is sent, so what the mirror holds is
/// what the worker's store will hold once the pending writes are applied.
///
/// Bounded: past ``byteBudget`` bytes of keys and values it starts over empty.
final class StoreMirror {
    /// Bytes of keys and values a mirror keeps before it starts over.
    static let byteBudget = 16 << 20

    private var entries: [[UInt8]: MirroredValue] = [:]
    private var bytes = 0
    /// The key being looked up, reused so that a lookup allocates nothing.
    private var probe: [UInt8] = []

    /// The mirrored value of `key`: `.some(nil)` when the store has no such key, nil when
    /// the mirror does not know.
    func value(of key: eddy_bytes) -> MirroredValue? {
        setProbe(key)
        return entries[probe]
    }

    /// Notes that `key` holds `value` (nil: absent). The bytes are copied before any buffer
    /// they may point into is reused.
    func set(_ key: eddy_bytes, _ value: eddy_bytes?) {
        setProbe(key)
        if let entry = entries[probe] {
            bytes += entry.replace(with: value)
            return
        }
        if bytes > Self.byteBudget {
            entries.removeAll()
            bytes = 0
        }
        let entry = MirroredValue(value)
        entries[probe] = entry
        bytes += key.len + entry.capacity
    }

    private func setProbe(_ key: eddy_bytes) {
        probe.removeAll(keepingCapacity: true)
        if let pointer = key.ptr { probe.append(contentsOf: UnsafeBufferPointer(start: pointer, count: key.len)) }
    }
}

/// A value a ``StoreMirror`` holds, at a stable address (lent to the plugin by `kv_get`
/// until its next call).
final class MirroredValue {
    private(set) var storage: UnsafeMutableRawPointer
    private(set) var capacity: Int
    private(set) var length = 0
    private(set) var present = false

    init(_ value: eddy_bytes?) {
        capacity = max(value?.len ?? 0, 16)
        storage = .allocate(byteCount: capacity, alignment: 8)
        _ = replace(with: value)
    }

    deinit { storage.deallocate() }

    /// The value as a slice; absent when the store has no such key.
    var slice: eddy_bytes {
        present
            ? eddy_bytes(ptr: UnsafePointer(storage.assumingMemoryBound(to: UInt8.self)), len: length)
            : eddy_bytes(ptr: nil, len: 0)
    }

    /// Takes `value` (nil or an absent slice: no such key); returns the change in capacity.
    /// `value` may point into this value's own storage (a plugin writing back what it read).
    func replace(with value: eddy_bytes?) -> Int {
        guard let value, let pointer = value.ptr else {
            present = false
            length = 0
            return 0
        }
        var grown = 0
        if value.len > capacity {
            let larger = UnsafeMutableRawPointer.allocate(byteCount: value.len, alignment: 8)
            larger.copyMemory(from: pointer, byteCount: value.len)
            storage.deallocate()
            storage = larger
            grown = value.len - capacity
            capacity = value.len
        } else if UnsafeRawPointer(pointer) != UnsafeRawPointer(storage) {
            memmove(storage, pointer, value.len)
        }
        length = value.len
        present = true
        return grown
    }
}
