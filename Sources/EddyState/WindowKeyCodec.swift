/// The byte layout of window-store keys.
///
/// Stored key: `[segment id: 8 bytes big-endian][record key][window start: 8 bytes big-endian]`,
/// where `segment id = window start / segment interval`.
/// Changelog key: the stored key without its segment id, `[record key][window start]`.
///
/// Why this layout: windowed aggregations mostly get and put one (key, window); joins fetch
/// one key over a short time range; retention drops old windows. Key-first inside a segment
/// makes a key's windows contiguous (a fetch is one short scan per live segment), and the
/// segment prefix makes retention one range deletion of whole segments instead of a scan.
/// A plain time-first layout would make fetch-by-key scan every key's windows; a plain
/// key-first layout would make retention scan the whole store. Window starts are
/// non-negative, so big-endian bytes sort as numbers. Records keys are variable length, so
/// a scan for one key checks each entry's length to skip longer keys that share its bytes.
struct WindowKeyCodec {
    let segmentIntervalMs: Int64

    func segment(of windowStart: Int64) -> Int64 { windowStart / segmentIntervalMs }

    /// Writes the stored key for (`key`, `windowStart`) into `buffer`, reusing its storage.
    func encode(_ key: UnsafeRawBufferPointer, windowStart: Int64, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        Self.append(segment(of: windowStart), to: &buffer)
        buffer.append(contentsOf: key)
        Self.append(windowStart, to: &buffer)
    }

    /// Writes the stored key for a changelog key (`[record key][window start]`) into `buffer`.
    func encode(changelogKey: UnsafeRawBufferPointer, into buffer: inout [UInt8]) -> Int64? {
        guard changelogKey.count >= 8 else { return nil }
        let start = Self.readInt64(changelogKey, at: changelogKey.count - 8)
        guard start >= 0 else { return nil }
        buffer.removeAll(keepingCapacity: true)
        Self.append(segment(of: start), to: &buffer)
        buffer.append(contentsOf: changelogKey)
        return start
    }

    /// The record key (borrowed from `storedKey`) and window start of a stored key; nil when
    /// it is too short to be one.
    static func decode(_ storedKey: UnsafeRawBufferPointer) -> (key: UnsafeRawBufferPointer, windowStart: Int64)? {
        guard storedKey.count >= 16 else { return nil }
        return (
            UnsafeRawBufferPointer(rebasing: storedKey[8..<(storedKey.count - 8)]),
            readInt64(storedKey, at: storedKey.count - 8)
        )
    }

    /// The segment prefix alone.
    static func segmentPrefix(_ segment: Int64) -> [UInt8] {
        var bytes: [UInt8] = []
        append(segment, to: &bytes)
        return bytes
    }

    static func append(_ value: Int64, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: UInt64(bitPattern: value).bigEndian) { buffer.append(contentsOf: $0) }
    }

    static func readInt64(_ bytes: UnsafeRawBufferPointer, at offset: Int) -> Int64 {
        var value: UInt64 = 0
        for i in offset..<(offset + 8) { value = value << 8 | UInt64(bytes[i]) }
        return Int64(bitPattern: value)
    }
}
