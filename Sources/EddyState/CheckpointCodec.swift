/// The byte layout of checkpoint entries in the `eddy.checkpoint` column family.
///
/// Key: the changelog topic's UTF-8 bytes, a 0 byte, the partition as 4 big-endian bytes.
/// Value: the next changelog offset to read, 8 big-endian bytes.
enum CheckpointCodec {
    static func key(_ partition: ChangelogPartition) -> [UInt8] {
        var key = Array(partition.topic.utf8)
        key.append(0)
        withUnsafeBytes(of: UInt32(bitPattern: partition.partition).bigEndian) { key.append(contentsOf: $0) }
        return key
    }

    static func value(_ offset: Int64) -> [UInt8] {
        withUnsafeBytes(of: offset.bigEndian) { Array($0) }
    }

    static func decode(
        key: UnsafeRawBufferPointer, value: UnsafeRawBufferPointer, directory: String
    ) throws -> (ChangelogPartition, Int64) {
        guard key.count >= 5, key[key.count - 5] == 0, value.count == 8 else {
            throw StateStoreError.corruptMetadata(
                file: directory, reason: "a checkpoint entry has \(key.count) key bytes and \(value.count) value bytes")
        }
        let topic = String(decoding: key[0..<(key.count - 5)], as: UTF8.self)
        let partition = key[(key.count - 4)...].reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let offset = value.reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
        return (ChangelogPartition(topic: topic, partition: Int32(bitPattern: partition)), Int64(bitPattern: offset))
    }
}
