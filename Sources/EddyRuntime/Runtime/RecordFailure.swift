import EddyKafka

/// Where a record that could not be processed came from and why, for the error handler.
struct RecordFailure {
    enum Kind: String {
        /// The bytes did not match the source's serde.
        case deserialization
        /// A processor rejected the record or failed on it.
        case processor
    }

    var kind: Kind
    var reason: String
    var topic: String
    var partition: Int32
    var offset: Int64
    /// The node that failed, or the source for deserialization failures.
    var node: String
    /// `name@version` of the plugin whose processor failed, if any.
    var plugin: String?

    /// The headers a dead-letter record carries, after the original record's own.
    var headers: [KafkaHeader] {
        var headers = [
            KafkaHeader(key: "eddy.error.kind", string: kind.rawValue),
            KafkaHeader(key: "eddy.error.reason", string: reason),
            KafkaHeader(key: "eddy.error.topic", string: topic),
            KafkaHeader(key: "eddy.error.partition", string: String(partition)),
            KafkaHeader(key: "eddy.error.offset", string: String(offset)),
            KafkaHeader(key: "eddy.error.node", string: node),
        ]
        if let plugin { headers.append(KafkaHeader(key: "eddy.error.plugin", string: plugin)) }
        return headers
    }

    var description: String {
        "\(kind) error on \(topic)-\(partition)@\(offset) at \(node)\(plugin.map { " (\($0))" } ?? ""): \(reason)"
    }
}

/// Processing stopped because of a record and the `fail` error handler.
public struct ProcessingFailed: Error, CustomStringConvertible {
    public let description: String
}
