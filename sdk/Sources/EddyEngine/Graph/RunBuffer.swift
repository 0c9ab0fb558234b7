import EddySDK

/// Where a node collects the records it sends on, reused from run to run: record views,
/// their origins, and an arena for the bytes the node made (new keys and values, copies of
/// what a plugin forwarded). Records passed through unchanged keep pointing at their
/// input's bytes, which stay valid while the node delivers.
public final class RunBuffer {
    private var records: UnsafeMutablePointer<eddy_record>
    private var origins: UnsafeMutablePointer<Int32>
    private var capacity: Int
    /// How many records are collected.
    public private(set) var count = 0
    let arena = ByteArena()

    public init(capacity: Int = 64) {
        self.capacity = capacity
        records = .allocate(capacity: capacity)
        origins = .allocate(capacity: capacity)
    }

    deinit {
        records.deallocate()
        origins.deallocate()
    }

    /// The collected records as a run (valid until the buffer changes).
    public var run: RecordRun { RecordRun(records: records, origins: origins, count: count) }

    /// Appends `record` as it is: its bytes stay where they are.
    public func append(_ record: eddy_record, origin: Int32) {
        if count == capacity { grow() }
        records[count] = record
        records[count].struct_size = recordStructSize
        origins[count] = origin
        count += 1
    }

    /// Appends a copy of `record` whose key and value are `key` and `value`, all bytes
    /// (headers too) copied into the buffer's arena.
    public func appendCopy(of record: eddy_record, key: eddy_bytes, value: eddy_bytes, origin: Int32) {
        var copy = record
        copy.key = arena.copy(key)
        copy.value = arena.copy(value)
        copy.headers = arena.copyHeaders(of: record)
        if copy.headers == nil { copy.header_count = 0 }
        append(copy, origin: origin)
    }

    /// Appends `record` with key and value replaced by copies of `key` and `value` (either
    /// may be the record's own, kept in place: pass `keepKey`/`keepValue`).
    public func append(_ record: eddy_record, key: eddy_bytes?, value: eddy_bytes?, origin: Int32) {
        var copy = record
        if let key { copy.key = arena.copy(key) }
        if let value { copy.value = arena.copy(value) }
        append(copy, origin: origin)
    }

    /// Appends `record` with `headers` laid out as its `eddy_header` array in the arena (the
    /// record's own header fields are ignored); with no headers, as it is.
    public func append(_ record: eddy_record, headers: [(key: String, value: [UInt8]?)], origin: Int32) {
        guard !headers.isEmpty else { return append(record, origin: origin) }
        var copy = record
        let array = arena.allocate(
            MemoryLayout<eddy_header>.stride * headers.count, alignment: MemoryLayout<eddy_header>.alignment
        )
        .bindMemory(to: eddy_header.self, capacity: headers.count)
        for (index, header) in headers.enumerated() {
            var key = header.key
            let keyBytes = key.withUTF8 { arena.copy(UnsafeRawBufferPointer($0)) }
            let value = header.value.map { bytes in bytes.withUnsafeBytes { arena.copy($0) } } ?? .absent
            array[index] = eddy_header(
                struct_size: UInt32(MemoryLayout<eddy_header>.size),
                key: eddy_str(
                    ptr: UnsafeRawPointer(keyBytes.ptr)?.assumingMemoryBound(to: CChar.self), len: keyBytes.len),
                value: value)
        }
        copy.headers = UnsafePointer(array)
        copy.header_count = headers.count
        append(copy, origin: origin)
    }

    /// Drops the records from `newCount` on (their arena bytes stay until ``reset()``).
    public func truncate(to newCount: Int) {
        count = min(count, newCount)
    }

    /// Sets the timestamp of the last record collected (a source's extracted event time).
    public func setLastTimestamp(_ timestamp: Int64) {
        records[count - 1].timestamp = timestamp
    }

    /// Empties the buffer for the next run.
    public func reset() {
        count = 0
        arena.reset()
    }

    private func grow() {
        let newCapacity = capacity * 2
        let newRecords = UnsafeMutablePointer<eddy_record>.allocate(capacity: newCapacity)
        newRecords.moveInitialize(from: records, count: count)
        records.deallocate()
        records = newRecords
        let newOrigins = UnsafeMutablePointer<Int32>.allocate(capacity: newCapacity)
        newOrigins.moveInitialize(from: origins, count: count)
        origins.deallocate()
        origins = newOrigins
        capacity = newCapacity
    }
}
