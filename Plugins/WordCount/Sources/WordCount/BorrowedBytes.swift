import EddySDK

/// Raw bytes, borrowed instead of copied: the serde of a key that a processor only passes on
/// (to a store and to `forward`) within one `process` call, so that reading it costs no
/// allocation. Stored and forwarded as the SDK's `bytes` serde stores them.
///
/// A value it decodes points into the bytes it was decoded from and is valid only while they
/// are: for a record's key, during `process`. Never keep one, and never use it for what a
/// store hands back (`get`'s value, `range`), whose bytes are only lent for the call.
struct BorrowedBytes: Serde {
    var name: String { "bytes" }

    func serialize<R>(_ value: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        try body(value)
    }

    func deserialize(_ bytes: UnsafeRawBufferPointer) throws -> UnsafeRawBufferPointer { bytes }
}
