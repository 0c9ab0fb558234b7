import EddySDK

/// Bytes a node's output records point into, from one run to the next: chunks that never
/// move (so a slice handed out stays valid until ``reset()``), reused across runs, so that a
/// node copying keys and values allocates nothing once warm.
final class ByteArena {
    private var chunks: [UnsafeMutableRawBufferPointer] = []
    /// The chunk being filled, and how far.
    private var current = 0
    private var used = 0
    private static let chunkSize = 64 * 1024

    deinit { chunks.forEach { $0.deallocate() } }

    /// `count` bytes aligned to `alignment`, valid until ``reset()``.
    func allocate(_ count: Int, alignment: Int = 1) -> UnsafeMutableRawPointer {
        while current < chunks.count {
            let start = (used + alignment - 1) & ~(alignment - 1)
            if start + count <= chunks[current].count {
                used = start + count
                return chunks[current].baseAddress! + start
            }
            current += 1
            used = 0
        }
        let chunk = UnsafeMutableRawBufferPointer.allocate(byteCount: max(Self.chunkSize, count), alignment: 16)
        chunks.append(chunk)
        current = chunks.count - 1
        used = count
        return chunk.baseAddress!
    }

    /// A copy of `bytes` (absent stays absent; present-but-empty stays present).
    func copy(_ bytes: eddy_bytes) -> eddy_bytes {
        guard let source = bytes.ptr else { return .absent }
        let target = allocate(max(bytes.len, 1))
        if bytes.len > 0 { target.copyMemory(from: source, byteCount: bytes.len) }
        return eddy_bytes(ptr: target.assumingMemoryBound(to: UInt8.self), len: bytes.len)
    }

    /// A copy of `buffer`, present even when empty.
    func copy(_ buffer: UnsafeRawBufferPointer) -> eddy_bytes {
        copy(eddy_bytes(borrowing: buffer))
    }

    /// A copy of `record`'s headers (the array and their bytes); nil for none.
    func copyHeaders(of record: eddy_record) -> UnsafePointer<eddy_header>? {
        guard record.header_count > 0, let source = record.headers else { return nil }
        let stride = Int(source.pointee.struct_size)
        let array = allocate(
            MemoryLayout<eddy_header>.stride * record.header_count, alignment: MemoryLayout<eddy_header>.alignment
        )
        .bindMemory(to: eddy_header.self, capacity: record.header_count)
        for index in 0..<record.header_count {
            let header = (UnsafeRawPointer(source) + index * stride).assumingMemoryBound(to: eddy_header.self).pointee
            let key = copy(
                eddy_bytes(
                    ptr: UnsafeRawPointer(header.key.ptr)?.assumingMemoryBound(to: UInt8.self), len: header.key.len))
            array[index] = eddy_header(
                struct_size: UInt32(MemoryLayout<eddy_header>.size),
                key: eddy_str(ptr: UnsafeRawPointer(key.ptr)?.assumingMemoryBound(to: CChar.self), len: key.len),
                value: copy(header.value))
        }
        return UnsafePointer(array)
    }

    /// Forgets every allocation; the chunks are kept for the next run.
    func reset() {
        current = 0
        used = 0
    }
}
