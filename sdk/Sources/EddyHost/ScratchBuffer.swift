import EddySDK

/// A growable byte buffer the host lends to a plugin: values returned through the ABI
/// (`kv_get`, `iterator_next`) are copied here and stay valid until the buffer is reused.
/// Grows once and is then reused, so steady-state lending does not allocate.
public final class ScratchBuffer {
    private var storage: UnsafeMutableRawPointer
    private var capacity: Int

    public init(capacity: Int = 256) {
        self.capacity = max(capacity, 1)
        self.storage = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// Copies `bytes` into the buffer and returns a present slice over the copy.
    public func lend(_ bytes: UnsafeRawBufferPointer) -> eddy_bytes {
        reserve(bytes.count)
        if let base = bytes.baseAddress, bytes.count > 0 {
            storage.copyMemory(from: base, byteCount: bytes.count)
        }
        return eddy_bytes(ptr: storage.assumingMemoryBound(to: UInt8.self), len: bytes.count)
    }

    /// Copies `bytes` into the buffer and returns a present slice over the copy.
    public func lend(_ bytes: [UInt8]) -> eddy_bytes {
        bytes.withUnsafeBytes { lend($0) }
    }

    private func reserve(_ byteCount: Int) {
        guard byteCount > capacity else { return }
        var grown = capacity
        while grown < byteCount { grown *= 2 }
        storage.deallocate()
        storage = .allocate(byteCount: grown, alignment: 16)
        capacity = grown
    }
}
