import EddySDK

/// How a record crosses between the worker and a plugin process: key, value, timestamp,
/// topic, partition, offset and headers, each slice length-prefixed (``WireWriter``).
enum RecordWire {
    /// Bytes `record` takes on the wire.
    static func size(of record: UnsafePointer<eddy_record>) -> Int {
        let value = record.pointee
        var size =
            WireWriter.size(of: value.key) + WireWriter.size(of: value.value) + 8 + 8 + value.topic.len + 4 + 8 + 4
        for index in 0..<value.header_count {
            let header = eddy_record_header(record, index)!.pointee
            size += 8 + header.key.len + WireWriter.size(of: header.value)
        }
        return size
    }

    static func write(_ record: UnsafePointer<eddy_record>, to writer: inout WireWriter) {
        let value = record.pointee
        writer.put(value.key)
        writer.put(value.value)
        writer.put(value.timestamp)
        writer.put(value.topic)
        writer.put(value.partition)
        writer.put(value.offset)
        writer.put(UInt32(value.header_count))
        for index in 0..<value.header_count {
            let header = eddy_record_header(record, index)!.pointee
            writer.put(header.key)
            writer.put(header.value)
        }
    }

    /// Reads a record whose slices point into the reader's region; its headers go to
    /// `headers` from `headerStart` on (the caller sets `record.headers` once the buffer is
    /// final, from the returned header count).
    static func read(from reader: inout WireReader, headers: HeaderBuffer) -> (record: eddy_record, headerStart: Int) {
        var record = eddy_record()
        record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
        record.key = reader.bytes()
        record.value = reader.bytes()
        record.timestamp = reader.get()
        record.topic = reader.str()
        record.partition = reader.get()
        record.offset = reader.get()
        let count = Int(reader.get(UInt32.self))
        let start = headers.count
        for _ in 0..<count {
            var header = eddy_header()
            header.struct_size = UInt32(MemoryLayout<eddy_header>.size)
            header.key = reader.str()
            header.value = reader.bytes()
            headers.append(header)
        }
        record.header_count = count
        return (record, start)
    }
}

/// A growable array of `eddy_header` at a stable address once filled (records point into it).
final class HeaderBuffer {
    private(set) var base: UnsafeMutablePointer<eddy_header>
    private(set) var count = 0
    private var capacity = 16

    init() { base = .allocate(capacity: capacity) }
    deinit { base.deallocate() }

    func reset() { count = 0 }

    func append(_ header: eddy_header) {
        if count == capacity {
            let grown = UnsafeMutablePointer<eddy_header>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: base, count: count)
            base.deallocate()
            base = grown
            capacity *= 2
        }
        (base + count).initialize(to: header)
        count += 1
    }

    /// The header array of a record whose headers start at `start`, nil when it has none.
    func headers(from start: Int, count: Int) -> UnsafePointer<eddy_header>? {
        count == 0 ? nil : UnsafePointer(base + start)
    }
}
