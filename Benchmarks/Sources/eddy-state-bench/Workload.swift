/// The benchmark's records: 16-byte keys spread over the key space (a mixed 8-byte hash of
/// the record number, then the number itself) and 100-byte values, written into reusable
/// buffers so that generating them costs no allocation.
struct Workload {
    static let keySize = 16
    static let valueSize = 100

    var key = [UInt8](repeating: 0, count: keySize)
    var value = [UInt8](repeating: 0x5A, count: valueSize)

    mutating func fill(_ i: UInt64) {
        var z = i &+ 0x9E37_79B9_7F4A_7C15
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        key.withUnsafeMutableBytes { buffer in
            buffer.storeBytes(of: z.bigEndian, toByteOffset: 0, as: UInt64.self)
            buffer.storeBytes(of: i.bigEndian, toByteOffset: 8, as: UInt64.self)
        }
        value.withUnsafeMutableBytes { $0.storeBytes(of: i.bigEndian, toByteOffset: 0, as: UInt64.self) }
    }
}
