/// The byte layout of session-store keys.
///
/// Stored key: `[segment id: 8][key length: 4][record key][session end: 8][session start: 8]`,
/// all big-endian, where `segment id = session end / segment interval`.
/// Changelog key: Kafka Streams' session key, `[record key][end: 8][start: 8]` — the stored
/// key without its segment id and length.
///
/// Why this layout: sessions expire by their end, so segmenting by end makes retention one
/// range deletion of whole segments. Inside a segment a key's sessions are contiguous (a
/// find is one short scan per live segment), ordered by end. The length prefix makes the
/// scan exact: a longer key that starts with the same bytes has another length, so it never
/// falls inside one key's range. Times are non-negative, so big-endian bytes sort as numbers.
struct SessionKeyCodec {
    let segmentIntervalMs: Int64

    func segment(of end: Int64) -> Int64 { end / segmentIntervalMs }

    /// Writes the stored key for `key`'s session `[start, end]` into `buffer`, reusing its storage.
    func encode(_ key: UnsafeRawBufferPointer, start: Int64, end: Int64, into buffer: inout [UInt8]) {
        buffer.removeAll(keepingCapacity: true)
        WindowKeyCodec.append(segment(of: end), to: &buffer)
        Self.appendLength(key.count, to: &buffer)
        buffer.append(contentsOf: key)
        WindowKeyCodec.append(end, to: &buffer)
        WindowKeyCodec.append(start, to: &buffer)
    }

    /// Writes the stored key for a changelog key (`[record key][end][start]`) into `buffer`
    /// and returns the session's end; nil when the key is too short or its times are not
    /// `0 ≤ start ≤ end`.
    func encode(changelogKey: UnsafeRawBufferPointer, into buffer: inout [UInt8]) -> Int64? {
        guard changelogKey.count >= 16 else { return nil }
        let end = WindowKeyCodec.readInt64(changelogKey, at: changelogKey.count - 16)
        let start = WindowKeyCodec.readInt64(changelogKey, at: changelogKey.count - 8)
        guard start >= 0, start <= end else { return nil }
        buffer.removeAll(keepingCapacity: true)
        WindowKeyCodec.append(segment(of: end), to: &buffer)
        Self.appendLength(changelogKey.count - 16, to: &buffer)
        buffer.append(contentsOf: changelogKey)
        return end
    }

    /// The record key (borrowed from `storedKey`), start and end of a stored key; nil when it
    /// is not one (too short, or a length that disagrees with its size).
    static func decode(_ storedKey: UnsafeRawBufferPointer) -> (key: UnsafeRawBufferPointer, start: Int64, end: Int64)?
    {
        guard storedKey.count >= 28 else { return nil }
        var length = 0
        for i in 8..<12 { length = length << 8 | Int(storedKey[i]) }
        guard storedKey.count == 28 + length else { return nil }
        return (
            UnsafeRawBufferPointer(rebasing: storedKey[12..<(12 + length)]),
            WindowKeyCodec.readInt64(storedKey, at: storedKey.count - 8),
            WindowKeyCodec.readInt64(storedKey, at: storedKey.count - 16)
        )
    }

    /// The changelog key inside a stored key: everything after the segment id and length.
    static func changelogKey(of storedKey: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: storedKey[12...])
    }

    private static func appendLength(_ length: Int, to buffer: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(truncatingIfNeeded: length).bigEndian) { buffer.append(contentsOf: $0) }
    }
}
