import EddySDK

/// The byte layouts of windowed aggregations, as Kafka Streams writes them.
///
/// - Windowed keys on output topics: the key's bytes, then the window start (time and
///   sliding windows), or the session's end and then start (session windows), each 8 bytes
///   big-endian.
/// - Values in the window stores of time and sliding windows: the aggregate's timestamp (the
///   largest record timestamp folded into it, 8 bytes big-endian) before the aggregate, as
///   Kafka Streams' timestamped window stores keep it; the store declares its value serde as
///   `timestamped:<serde>`.
enum WindowBytes {
    /// `key` followed by `times`, each 8 bytes big-endian, copied into `arena`.
    static func windowedKey(_ key: eddy_bytes, _ times: Int64..., in arena: ByteArena) -> eddy_bytes {
        let count = key.len + 8 * times.count
        let target = arena.allocate(max(count, 1))
        if key.len > 0, let source = key.ptr { target.copyMemory(from: source, byteCount: key.len) }
        for (index, time) in times.enumerated() {
            target.storeBytes(of: time.bigEndian, toByteOffset: key.len + 8 * index, as: Int64.self)
        }
        return eddy_bytes(ptr: UnsafePointer(target.assumingMemoryBound(to: UInt8.self)), len: count)
    }

    /// A timestamped store value: `timestamp`, then `aggregate`, copied into `arena`.
    static func timestamped(_ aggregate: eddy_bytes, at timestamp: Int64, in arena: ByteArena) -> eddy_bytes {
        let count = 8 + aggregate.len
        let target = arena.allocate(count)
        target.storeBytes(of: timestamp.bigEndian, as: Int64.self)
        if aggregate.len > 0, let source = aggregate.ptr {
            (target + 8).copyMemory(from: source, byteCount: aggregate.len)
        }
        return eddy_bytes(ptr: UnsafePointer(target.assumingMemoryBound(to: UInt8.self)), len: count)
    }

    /// Splits a timestamped store value into its timestamp and aggregate (nil when malformed).
    static func split(_ stored: UnsafeRawBufferPointer) -> (timestamp: Int64, aggregate: UnsafeRawBufferPointer)? {
        guard stored.count >= 8 else { return nil }
        return (Int64(bigEndian: stored.loadUnaligned(as: Int64.self)), UnsafeRawBufferPointer(rebasing: stored[8...]))
    }

    /// The end of the window a windowed key names: time windows end at start + size
    /// (exclusive), sliding windows at start + difference (inclusive), sessions at their end.
    static func windowEnd(of windowedKey: UnsafeRawBufferPointer, _ window: Topology.Window) -> Int64? {
        switch window.kind {
        case .time(let size, _):
            guard windowedKey.count >= 8 else { return nil }
            return Int64(bigEndian: windowedKey.loadUnaligned(fromByteOffset: windowedKey.count - 8, as: Int64.self))
                + size
        case .sliding(let difference):
            guard windowedKey.count >= 8 else { return nil }
            return Int64(bigEndian: windowedKey.loadUnaligned(fromByteOffset: windowedKey.count - 8, as: Int64.self))
                + difference
        case .session:
            guard windowedKey.count >= 16 else { return nil }
            return Int64(bigEndian: windowedKey.loadUnaligned(fromByteOffset: windowedKey.count - 16, as: Int64.self))
        }
    }
}
