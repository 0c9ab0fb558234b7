import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// What a plugin's `eddy_context` points to in the plugin process: the instance, and the
/// copies that must outlive the reply region — strings lent until close (task id,
/// application id, config values) and the iterators the plugin opened.
final class ChildContext {
    let instance: UInt64
    private var lent: [String: eddy_str] = [:]
    private var lentBuffers: [UnsafeMutablePointer<CChar>] = []
    private var openIterators: [ObjectIdentifier: ChildIterator] = [:]
    /// Per key-value store handle, what this instance read and wrote (see ``StoreMirror``).
    private var mirrors: [UInt64: StoreMirror] = [:]

    init(instance: UInt64) { self.instance = instance }

    deinit { lentBuffers.forEach { $0.deallocate() } }

    var pointer: OpaquePointer { OpaquePointer(Unmanaged.passUnretained(self).toOpaque()) }

    static func from(_ ctx: OpaquePointer?) -> ChildContext {
        Unmanaged<ChildContext>.fromOpaque(UnsafeRawPointer(ctx!)).takeUnretainedValue()
    }

    /// A copy of `text` (keyed by `key`) lent to the plugin until the instance closes.
    func lend(_ text: eddy_str, as key: String) -> eddy_str {
        if let known = lent[key] { return known }
        guard let source = text.ptr else { return text }
        let copy = UnsafeMutablePointer<CChar>.allocate(capacity: max(text.len, 1))
        copy.initialize(from: source, count: text.len)
        lentBuffers.append(copy)
        let slice = eddy_str(ptr: copy, len: text.len)
        lent[key] = slice
        return slice
    }

    /// The mirror of the store with worker handle `store`.
    func mirror(of store: UInt64) -> StoreMirror {
        if let mirror = mirrors[store] { return mirror }
        let mirror = StoreMirror()
        mirrors[store] = mirror
        return mirror
    }

    func opened(_ iterator: ChildIterator) -> OpaquePointer {
        openIterators[ObjectIdentifier(iterator)] = iterator
        return OpaquePointer(Unmanaged.passUnretained(iterator).toOpaque())
    }

    func closed(_ iterator: ChildIterator) {
        openIterators[ObjectIdentifier(iterator)] = nil
    }
}

/// An iterator the plugin opened in the plugin process: the worker's handle, and the copy
/// of the current entry (valid until the next `iterator_next` or `iterator_close` on it).
final class ChildIterator {
    let handle: UInt64
    private var storage: UnsafeMutableRawPointer
    private var capacity = 256

    init(handle: UInt64) {
        self.handle = handle
        storage = .allocate(byteCount: capacity, alignment: 8)
    }

    deinit { storage.deallocate() }

    static func from(_ pointer: OpaquePointer?) -> ChildIterator {
        Unmanaged<ChildIterator>.fromOpaque(UnsafeRawPointer(pointer!)).takeUnretainedValue()
    }

    /// Copies `key` and `value` (slices of the reply region) into this iterator's storage.
    func keep(_ key: eddy_bytes, _ value: eddy_bytes) -> (key: eddy_bytes, value: eddy_bytes) {
        let needed = key.len + value.len + 1
        if needed > capacity {
            storage.deallocate()
            capacity = needed
            storage = .allocate(byteCount: capacity, alignment: 8)
        }
        if let pointer = key.ptr { storage.copyMemory(from: pointer, byteCount: key.len) }
        if let pointer = value.ptr { (storage + key.len).copyMemory(from: pointer, byteCount: value.len) }
        let base = storage.assumingMemoryBound(to: UInt8.self)
        return (
            eddy_bytes(ptr: key.ptr == nil ? nil : UnsafePointer(base), len: key.len),
            eddy_bytes(ptr: value.ptr == nil ? nil : UnsafePointer(base + key.len), len: value.len)
        )
    }
}
