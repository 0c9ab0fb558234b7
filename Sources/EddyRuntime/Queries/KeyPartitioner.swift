/// Kafka's default partitioner for keyed records: the partition of a serialized key is its
/// murmur2 hash made positive, modulo the partition count. Producers with librdkafka's
/// `murmur2_random` partitioner (as Eddy's stream threads) and Java producers place keys
/// this way, so it tells which task holds a key without asking anyone.
public enum KeyPartitioner {
    /// The partition of `key` among `partitionCount` partitions (positive).
    public static func partition(of key: some Collection<UInt8>, partitionCount: Int32) -> Int32 {
        precondition(partitionCount > 0, "a topic has at least one partition")
        return (murmur2(key) & 0x7fff_ffff) % partitionCount
    }

    /// Kafka's murmur2 (`Utils.murmur2`): MurmurHash2, 32 bits, seed 0x9747b28c, little-endian
    /// 4-byte blocks.
    public static func murmur2(_ key: some Collection<UInt8>) -> Int32 {
        let bytes = Array(key)
        let m: UInt32 = 0x5bd1_e995
        let r: UInt32 = 24
        var h: UInt32 = 0x9747_b28c ^ UInt32(truncatingIfNeeded: bytes.count)
        let blocks = bytes.count / 4
        for block in 0..<blocks {
            let i = block * 4
            var k =
                UInt32(bytes[i]) | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]) << 16 | UInt32(bytes[i + 3]) << 24
            k &*= m
            k ^= k >> r
            k &*= m
            h &*= m
            h ^= k
        }
        let tail = blocks * 4
        switch bytes.count % 4 {
        case 3:
            h ^= UInt32(bytes[tail + 2]) << 16
            fallthrough
        case 2:
            h ^= UInt32(bytes[tail + 1]) << 8
            fallthrough
        case 1:
            h ^= UInt32(bytes[tail])
            h &*= m
        default:
            break
        }
        h ^= h >> 13
        h &*= m
        h ^= h >> 15
        return Int32(bitPattern: h)
    }
}
