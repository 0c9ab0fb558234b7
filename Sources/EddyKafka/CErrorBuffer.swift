/// The `char errstr[512]` buffer librdkafka fills with an error message.
struct CErrorBuffer {
    var bytes = [CChar](repeating: 0, count: 512)

    var count: Int { bytes.count }

    /// The NUL-terminated message librdkafka wrote.
    var message: String {
        String(decoding: bytes.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
