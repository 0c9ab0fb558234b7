import CRdKafka
import Logging
import Synchronization
import Testing

@testable import EddyKafka

@Suite struct PropertyScopeTests {
    @Test func scopesComeFromLibrdkafkasOwnTable() {
        #expect(KafkaPropertyScope.of("bootstrap.servers") == .anyClient)
        #expect(KafkaPropertyScope.of("queued.min.messages") == .consumer)
        #expect(KafkaPropertyScope.of("linger.ms") == .producer)
        // Topic-level properties are in the table too.
        #expect(KafkaPropertyScope.of("auto.offset.reset") == .consumer)
        #expect(KafkaPropertyScope.of("acks") == .producer)
        #expect(KafkaPropertyScope.of("linger.msec") == nil)
        #expect(KafkaPropertyScope.table.count > 150)
    }

    @Test func oneSharedSectionConfiguresEachClientWithItsOwnKeysAndNoWarnings() throws {
        let cluster = try KafkaMockCluster()
        let shared: KafkaConfiguration = [
            "bootstrap.servers": cluster.bootstrapServers, "client.id": "shared",
            "fetch.wait.max.ms": "11", "queued.min.messages": "12345", "linger.ms": "7", "batch.num.messages": "321",
        ]
        let log = CapturedLog()
        let producer = try KafkaProducer(configuration: shared, logger: log.logger)
        let consumer = try KafkaConsumer(configuration: shared, logger: log.logger)
        let admin = try KafkaAdmin(configuration: shared, logger: log.logger)
        defer { consumer.close() }

        #expect(log.lines.filter { $0.contains("CONFWARN") } == [])
        #expect(producer.client.configuredValue("linger.ms") == "7")
        #expect(producer.client.configuredValue("batch.num.messages") == "321")
        #expect(consumer.client.configuredValue("fetch.wait.max.ms") == "11")
        #expect(consumer.client.configuredValue("queued.min.messages") == "12345")
        for client in [producer.client, consumer.client, admin.client] {
            #expect(client.configuredValue("client.id") == "shared")
        }
        // A key librdkafka does not know still reaches it, and is refused by name.
        #expect(
            throws: KafkaError.configuration(
                key: "linger.msec",
                reason:
                    "No such configuration property: \"linger.msec\" — check the spelling against librdkafka's CONFIGURATION.md"
            )
        ) {
            try KafkaConsumer(configuration: shared.withDefaults(["linger.msec": "5"]))
        }
    }
}

/// Every log line a client writes, as text.
final class CapturedLog: Sendable {
    private let captured = Mutex<[String]>([])
    var lines: [String] { captured.withLock { $0 } }

    var logger: Logger {
        Logger(label: "captured") { _ in Handler(log: self) }
    }

    struct Handler: LogHandler {
        let log: CapturedLog
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            log.captured.withLock { $0.append("\(event.level) \(event.message)") }
        }
    }
}
