#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Unsigned lexicographic byte order, the order RocksDB's default comparator uses.
///
/// Returns a negative number, zero or a positive number as `a` sorts before, equal to or
/// after `b`; a proper prefix sorts first.
@inline(__always)
func compareBytes(_ a: UnsafeRawBufferPointer, _ b: UnsafeRawBufferPointer) -> Int {
    let common = min(a.count, b.count)
    if common > 0 {
        let c = memcmp(a.baseAddress!, b.baseAddress!, common)
        if c != 0 { return Int(c) }
    }
    return a.count - b.count
}

/// Whether `bytes` begins with `prefix`.
@inline(__always)
func hasBytePrefix(_ bytes: UnsafeRawBufferPointer, _ prefix: UnsafeRawBufferPointer) -> Bool {
    guard bytes.count >= prefix.count else { return false }
    if prefix.isEmpty { return true }
    return memcmp(bytes.baseAddress!, prefix.baseAddress!, prefix.count) == 0
}

/// The first 8 bytes of `key` as a big-endian integer, zero-padded. Comparing two prefixes
/// orders two keys whenever the prefixes differ (a shorter key pads with zeros, and a key
/// that is a proper prefix of another sorts first either way); equal prefixes need the full
/// comparison.
@inline(__always)
func bytePrefix(_ key: UnsafeRawBufferPointer) -> UInt64 {
    if key.count >= 8 { return UInt64(bigEndian: key.loadUnaligned(as: UInt64.self)) }
    var prefix: UInt64 = 0
    for i in 0..<key.count { prefix |= UInt64(key[i]) << (56 - 8 * UInt64(i)) }
    return prefix
}
