import ArgumentParser
import EddyKafka
import EddyRuntime
import EddySDK
import Foundation

/// `eddy consume`: print the records of a topic.
struct ConsumeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Print the records of a topic.",
        discussion: """
            Without --group, reads every partition directly (no group join). Stops after --max
            records, once nothing new arrived for --idle-timeout seconds, or with --to-end once
            every partition has been read to its end (under read_committed: its last stable
            offset, so an open transaction's records are not waited for).
            """)

    enum Format: String, ExpressibleByArgument, CaseIterable {
        /// The value only.
        case value
        /// key<TAB>value.
        case keyValue = "key-value"
        /// One JSON object per record with topic, partition, offset, timestamp, key, value, headers.
        case json
    }

    enum Isolation: String, ExpressibleByArgument, CaseIterable {
        case readCommitted = "read_committed"
        case readUncommitted = "read_uncommitted"
    }

    @OptionGroup var kafka: KafkaOptions
    @Argument(help: "Topic to read.") var topic: String
    @Flag(name: .customLong("from-beginning"), help: "Start at the oldest record instead of the end.")
    var fromBeginning = false
    @Option(name: .long, help: "Stop after this many records.") var max: Int?
    @Option(name: .customLong("idle-timeout"), help: "Stop when nothing arrives for this many seconds (0: never).")
    var idleTimeout: Double = 0
    @Flag(name: .customLong("to-end"), help: "Stop once every partition has been read to its end (not with --group).")
    var toEnd = false
    @Option(name: .long, help: "read_committed (default) hides aborted and open transactions.") var isolation:
        Isolation = .readCommitted
    @Option(name: .shortAndLong, help: "Consume as this consumer group (commits offsets).") var group: String?
    @Option(name: .shortAndLong, help: "Output: value, key-value or json.") var format: Format = .value
    @Option(
        name: .customLong("value-serde"),
        help: "How to print values: a serde name (string, json, bytes as hex, i64, i32, u64, f64: big-endian numbers).")
    var valueSerde: SerdeName = .string

    @Option(
        name: .customLong("key-serde"),
        help:
            "How to print keys: a serde name (as --value-serde); windowed (a time or sliding window's key: the key, then the window start, 8 bytes big-endian, printed key@[start,end) with --window-size-ms); session (key, session end, start: key@[start,end])."
    )
    var keySerde: PrintedKeySerde = .plain(.string)
    @Option(
        name: .customLong("window-size-ms"),
        help: "The windows' size, for the end of windowed keys (without it, key@start).")
    var windowSizeMs: Int64?

    /// How a key prints: as a serde decodes it, or as a windowed key of a time or session window.
    enum PrintedKeySerde: ExpressibleByArgument, Equatable {
        case plain(SerdeName)
        case windowed, session

        init?(argument: String) {
            switch argument {
            case "windowed": self = .windowed
            case "session": self = .session
            default:
                guard let serde = SerdeName(rawValue: argument) else { return nil }
                self = .plain(serde)
            }
        }

        static var allValueStrings: [String] { SerdeName.allCases.map(\.rawValue) + ["windowed", "session"] }
    }

    func validate() throws {
        if toEnd && group != nil {
            throw ValidationError(
                "--to-end reads the partitions directly; drop --group (a group's assignment can change mid-read)")
        }
    }

    func run() throws {
        CommandLogging.bootstrap()
        var properties = ["isolation.level": isolation.rawValue]
        if toEnd { properties["enable.partition.eof"] = "true" }
        properties["auto.offset.reset"] = fromBeginning ? "earliest" : "latest"
        if let group { properties["group.id"] = group }
        let configuration = try kafka.configuration(properties)
        let consumer = try KafkaConsumer(configuration: configuration)
        var assigned: [KafkaTopicPartition] = []
        if group != nil {
            try consumer.subscribe(topics: [topic])
        } else {
            let metadata = try KafkaAdmin(configuration: kafka.configuration()).metadata(topic: topic)
            guard let partitions = metadata.topic(topic)?.partitions, !partitions.isEmpty else {
                throw KafkaError.unknownTopic(topic: topic, reason: "the cluster reports no partitions for it")
            }
            let start = fromBeginning ? KafkaOffset.beginning : KafkaOffset.end
            try consumer.assign(
                partitions.map { KafkaTopicPartitionOffset(topic: topic, partition: $0, offset: start) })
            assigned = partitions.map { KafkaTopicPartition(topic: topic, partition: $0) }
        }

        var printed = 0
        var lastRecord = ContinuousClock.now
        while max.map({ printed < $0 }) ?? true {
            if toEnd, assigned.allSatisfy(consumer.hasReachedEnd) { break }
            let batch = try consumer.poll(
                maxRecords: Swift.min(500, (max ?? Int.max) - printed), timeout: .milliseconds(200)
            ) { record in
                print(render(record))
            }
            printed += batch
            if batch > 0 {
                lastRecord = .now
                if group != nil { try consumer.commit(synchronously: false) }
            } else if idleTimeout > 0, ContinuousClock.now - lastRecord > .seconds(idleTimeout) {
                break
            }
        }
        if group != nil { try consumer.commit() }
        consumer.close()
    }

    private func render(_ record: borrowing KafkaRecordView) -> String {
        let value = record.value.map { StoredValue($0, serde: valueSerde.rawValue).text }
        let key = record.key.map { WindowedKeyText.render(Array($0), as: keySerde, windowSize: windowSizeMs) }
        switch format {
        case .value:
            return value ?? "null"
        case .keyValue:
            return "\(key ?? "null")\t\(value ?? "null")"
        case .json:
            var object: [String: Any] = [
                "topic": topic, "partition": record.partition, "offset": record.offset,
                "timestamp": record.timestamp, "key": key ?? NSNull(), "value": value ?? NSNull(),
            ]
            let headers = record.headers
            if !headers.isEmpty {
                object["headers"] = headers.map { header -> [Any] in
                    [header.key, header.value.map { String(decoding: $0, as: UTF8.self) } as Any? ?? NSNull()]
                }
            }
            let data = try? JSONSerialization.data(
                withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
            return data.map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }
}
