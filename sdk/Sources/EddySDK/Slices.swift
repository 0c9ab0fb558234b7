/// Conversions between the ABI's borrowed slices (`eddy_bytes`, `eddy_str`) and Swift values.
///
/// These are the only places where SDK code turns pointers into values; authors see
/// `String` and `[UInt8]`, for example `country.string` in a typed function.

/// A non-NULL address for present-but-empty slices (NULL means "absent" in the ABI).
@usableFromInline
nonisolated(unsafe) let emptySliceAddress: UnsafeMutableRawPointer = .allocate(byteCount: 1, alignment: 1)

extension eddy_bytes {
    /// The absent slice (a null key or value).
    @inlinable
    public static var absent: eddy_bytes { eddy_bytes(ptr: nil, len: 0) }

    /// A slice over `buffer`, present even when empty. Borrowed: valid as long as `buffer`.
    @inlinable
    public init(borrowing buffer: UnsafeRawBufferPointer) {
        let base = buffer.baseAddress ?? UnsafeRawPointer(emptySliceAddress)
        self.init(ptr: base.assumingMemoryBound(to: UInt8.self), len: buffer.count)
    }

    /// Whether the slice is present (a non-NULL pointer).
    @inlinable
    public var isPresent: Bool { ptr != nil }

    /// The bytes, or nil when absent. Only valid while the slice's owner keeps it alive.
    @inlinable
    public var buffer: UnsafeRawBufferPointer? {
        guard let ptr else { return nil }
        return UnsafeRawBufferPointer(start: ptr, count: len)
    }

    /// A copy of the bytes, or nil when absent.
    public var bytes: [UInt8]? { buffer.map { Array($0) } }
}

extension eddy_str {
    /// A slice over UTF-8 `buffer`, present even when empty.
    @inlinable
    public init(borrowing buffer: UnsafeRawBufferPointer) {
        let base = buffer.baseAddress ?? UnsafeRawPointer(emptySliceAddress)
        self.init(ptr: base.assumingMemoryBound(to: CChar.self), len: buffer.count)
    }

    /// The text (invalid UTF-8 is repaired with U+FFFD), or "" when absent.
    public var string: String {
        guard let ptr else { return "" }
        let bytes = UnsafeRawBufferPointer(start: ptr, count: len).assumingMemoryBound(to: UInt8.self)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Whether the slice is present (a non-NULL pointer).
    public var isPresent: Bool { ptr != nil }
}
