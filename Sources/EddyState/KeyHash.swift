/// A fast 64-bit hash of key bytes for the record cache's hash table.
///
/// Reads the key 8 bytes at a time and mixes each word with a multiply and a rotation; the
/// final avalanche spreads every input bit over the low bits the table indexes with and the
/// high bits it keeps as a tag. Not keyed: the cache holds only the keys of one task's
/// records, and a collision costs a key comparison, never a wrong answer.
@inline(__always)
func hashKey(_ key: UnsafeRawBufferPointer) -> UInt64 {
    let multiplier: UInt64 = 0x9E37_79B9_7F4A_7C15
    var h = UInt64(truncatingIfNeeded: key.count) &* 0xC2B2_AE3D_27D4_EB4F
    var offset = 0
    while offset + 8 <= key.count {
        let word = key.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
        h = ((h ^ word) &* multiplier).rotateLeft(31)
        offset += 8
    }
    if offset < key.count {
        var tail: UInt64 = 0
        for i in offset..<key.count { tail |= UInt64(key[i]) << (8 * UInt64(i - offset)) }
        h = ((h ^ tail) &* multiplier).rotateLeft(31)
    }
    h ^= h >> 33
    h &*= 0xFF51_AFD7_ED55_8CCD
    h ^= h >> 29
    return h
}

extension UInt64 {
    @inline(__always)
    fileprivate func rotateLeft(_ n: UInt64) -> UInt64 { (self << n) | (self >> (64 - n)) }
}
