import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// Writes messages into one region of the shared memory between a worker and its plugin
/// process: native-endian integers and length-prefixed byte slices, packed without padding.
///
/// Both sides run on one machine from one binary, so the layout needs no byte-order or
/// version handling. A writer never grows its region: ``fits(_:)`` says whether a message of
/// a given size still has room, and the protocol flushes before it would overflow.
struct WireWriter {
    let base: UnsafeMutableRawPointer
    let capacity: Int
    private(set) var offset = 0

    init(base: UnsafeMutableRawPointer, capacity: Int) {
        self.base = base
        self.capacity = capacity
    }

    /// Whether `byteCount` more bytes fit.
    func fits(_ byteCount: Int) -> Bool { offset + byteCount <= capacity }

    /// Starts the region over.
    mutating func reset() { offset = 0 }

    mutating func put<T: FixedWidthInteger>(_ value: T) {
        base.storeBytes(of: value, toByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
    }

    /// A slice: its length as an `Int64` (-1 for an absent one), then its bytes.
    mutating func put(_ bytes: eddy_bytes) {
        guard let pointer = bytes.ptr else { return put(Int64(-1)) }
        put(Int64(bytes.len))
        (base + offset).copyMemory(from: pointer, byteCount: bytes.len)
        offset += bytes.len
    }

    /// Raw bytes, without a length (the message says how many).
    mutating func put(raw bytes: UnsafeRawBufferPointer) {
        guard let pointer = bytes.baseAddress else { return }
        (base + offset).copyMemory(from: pointer, byteCount: bytes.count)
        offset += bytes.count
    }

    mutating func put(_ text: eddy_str) {
        put(eddy_bytes(ptr: UnsafeRawPointer(text.ptr)?.assumingMemoryBound(to: UInt8.self), len: text.len))
    }

    /// A NUL-terminated C string with its NUL (so the reader can lend it in place), or absent.
    mutating func put(cString: UnsafePointer<CChar>?) {
        guard let cString else { return put(Int64(-1)) }
        put(eddy_bytes(ptr: UnsafeRawPointer(cString).assumingMemoryBound(to: UInt8.self), len: strlen(cString) + 1))
    }

    /// Overwrites a value written earlier at `position` (a count known only at the end).
    mutating func patch<T: FixedWidthInteger>(_ value: T, at position: Int) {
        base.storeBytes(of: value, toByteOffset: position, as: T.self)
    }

    mutating func put(_ text: String) {
        var text = text
        text.withUTF8 { put(eddy_bytes(ptr: $0.baseAddress ?? emptyByte, len: $0.count)) }
    }

    /// Bytes a slice of `length` takes on the wire.
    static func size(of bytes: eddy_bytes) -> Int { 8 + (bytes.ptr == nil ? 0 : bytes.len) }
}

/// Reads what a ``WireWriter`` wrote. Slices it returns point into the region: valid until
/// the region is written again.
struct WireReader {
    let base: UnsafeRawPointer
    private(set) var offset = 0

    init(base: UnsafeRawPointer) { self.base = base }

    mutating func get<T: FixedWidthInteger>(_: T.Type = T.self) -> T {
        defer { offset += MemoryLayout<T>.size }
        return base.loadUnaligned(fromByteOffset: offset, as: T.self)
    }

    mutating func bytes() -> eddy_bytes {
        let length = get(Int64.self)
        guard length >= 0 else { return eddy_bytes(ptr: nil, len: 0) }
        defer { offset += Int(length) }
        return eddy_bytes(ptr: (base + offset).assumingMemoryBound(to: UInt8.self), len: Int(length))
    }

    mutating func str() -> eddy_str {
        let slice = bytes()
        return eddy_str(ptr: UnsafeRawPointer(slice.ptr)?.assumingMemoryBound(to: CChar.self), len: slice.len)
    }

    /// A C string written with `put(cString:)`, lent in place (NUL-terminated).
    mutating func cString() -> UnsafePointer<CChar>? {
        UnsafeRawPointer(bytes().ptr)?.assumingMemoryBound(to: CChar.self)
    }

    mutating func string() -> String? {
        let slice = bytes()
        guard let pointer = slice.ptr else { return nil }
        return String(decoding: UnsafeRawBufferPointer(start: pointer, count: slice.len), as: UTF8.self)
    }
}

/// A valid address for an empty, present slice.
nonisolated(unsafe) let emptyByte: UnsafePointer<UInt8> = {
    let pointer = UnsafeMutablePointer<UInt8>.allocate(capacity: 1)
    pointer.initialize(to: 0)
    return UnsafePointer(pointer)
}()
