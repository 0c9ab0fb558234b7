import CRdKafka
import Glibc

/// The kind of client a librdkafka property means something to, as librdkafka's own property
/// table says (the `C/P` column of its CONFIGURATION.md).
///
/// One `kafka:` section configures every client of an application, the way Kafka Streams
/// hands each of its clients only the settings that client knows. Without this, librdkafka
/// warns (`CONFWARN`) once per client and per property that a consumer setting reaches a
/// producer or the other way round, and an operator learns to ignore warnings.
enum KafkaPropertyScope: Sendable, Equatable {
    case anyClient, consumer, producer

    /// The scope of `key`; nil for a key librdkafka does not know (it then rejects the key
    /// itself, naming it).
    static func of(_ key: String) -> KafkaPropertyScope? { table[key] }

    /// Whether a property of this scope configures a client of `type`.
    func applies(to type: rd_kafka_type_t) -> Bool {
        switch self {
        case .anyClient: true
        case .consumer: type == RD_KAFKA_CONSUMER
        case .producer: type == RD_KAFKA_PRODUCER
        }
    }

    /// Every property of the linked librdkafka with its scope, global and topic-level alike.
    static let table: [String: KafkaPropertyScope] = parse(librdkafkaPropertyTable())

    /// Reads the scopes out of `rd_kafka_conf_properties_show`'s Markdown tables: rows of
    /// `name | C/P | range | default | importance | description`.
    static func parse(_ text: String) -> [String: KafkaPropertyScope] {
        var scopes: [String: KafkaPropertyScope] = [:]
        for line in text.split(separator: "\n") {
            let columns = line.split(separator: "|", maxSplits: 2, omittingEmptySubsequences: false)
            guard columns.count == 3 else { continue }
            let scope: KafkaPropertyScope? =
                switch columns[1].trimmingWhitespace() {
                case "*": .anyClient
                case "C": .consumer
                case "P": .producer
                default: nil  // the header and rule rows
                }
            if let scope { scopes[columns[0].trimmingWhitespace()] = scope }
        }
        return scopes
    }

    private static func librdkafkaPropertyTable() -> String {
        var buffer: UnsafeMutablePointer<CChar>?
        var size = 0
        guard let stream = open_memstream(&buffer, &size) else { return "" }
        rd_kafka_conf_properties_show(stream)
        fclose(stream)
        defer { free(buffer) }
        return buffer.map { String(cString: $0) } ?? ""
    }
}
