/// The changelog records of one session-store restore batch: keys in changelog form
/// (`[record key][end: 8][start: 8]`, big-endian, as Kafka Streams' session keys).
public struct SessionRestoreBatch: SegmentedRestoreBatch {
    var inner: StoreRestoreBatch
    let codec: SessionKeyCodec
    let storeName: String
    var buffer: [UInt8]
    /// The greatest session end restored in this batch.
    public private(set) var latestSessionEnd: Int64 = .min

    /// Records added so far.
    public var count: Int { inner.count }
    var latestTime: Int64 { latestSessionEnd }

    /// Adds a changelog record; `value` nil is a tombstone. Throws on a key that does not
    /// end with a session's end and start.
    public mutating func apply(_ changelogKey: UnsafeRawBufferPointer, _ value: UnsafeRawBufferPointer?) throws {
        guard let end = codec.encode(changelogKey: changelogKey, into: &buffer) else {
            throw StateStoreError.invalidArgument(
                store: storeName,
                reason:
                    "a changelog key of \(changelogKey.count) bytes does not end with a session's end and start (8 bytes each, 0 ≤ start ≤ end)"
            )
        }
        latestSessionEnd = max(latestSessionEnd, end)
        let encoded = buffer
        encoded.withUnsafeBytes { inner.apply($0, value) }
    }
}
