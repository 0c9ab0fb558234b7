import ArgumentParser
import EddyKafka
import Foundation

/// `eddy produce`: write lines from stdin or a file to a topic.
struct ProduceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "produce",
        abstract: "Write records to a topic, one per input line.",
        discussion: """
            Each line is a value with a null key, unless --tab-key (the line is key<TAB>value) or
            --key-field NAME (the line is a JSON object; its field NAME is the key) is given.
            """)

    @OptionGroup var kafka: KafkaOptions
    @Argument(help: "Topic to write to.") var topic: String
    @Option(name: .shortAndLong, help: "Read lines from this file instead of stdin.") var file: String?
    @Flag(name: .customLong("tab-key"), help: "Each line is key<TAB>value.") var tabKey = false
    @Option(name: .customLong("key-field"), help: "Each line is JSON; use this field as the key.") var keyField: String?
    @Option(name: .shortAndLong, help: "Write every record to this partition.") var partition: Int32?
    @Option(
        name: .customLong("header"),
        help: ArgumentHelp("A header added to every record (repeatable).", valueName: "key=value"))
    var headers: [String] = []

    func validate() throws {
        if tabKey && keyField != nil { throw ValidationError("use either --tab-key or --key-field, not both") }
    }

    func run() throws {
        CommandLogging.bootstrap()
        let recordHeaders = try headers.map { entry in
            guard let eq = entry.firstIndex(of: "="), eq != entry.startIndex else {
                throw ValidationError("--header \(entry): expected key=value")
            }
            return KafkaHeader(key: String(entry[..<eq]), string: String(entry[entry.index(after: eq)...]))
        }
        let failures = KafkaDeliveryFailures()
        let producer = try KafkaProducer(configuration: kafka.configuration()) { report in
            if let error = report.error { failures.record(error) }
        }
        let lines = try LineReader(path: file)
        var count = 0
        var lineNumber = 0
        while let line = lines.next() {
            lineNumber += 1
            if line.isEmpty { continue }
            let (key, value) = try split(line, lineNumber: lineNumber)
            try producer.send(
                KafkaProducerRecord(topic: topic, partition: partition, key: key, value: value, headers: recordHeaders))
            count += 1
            if count % 1000 == 0 { producer.poll() }
        }
        try producer.flush(timeout: .seconds(60))
        if let first = failures.first {
            throw ValidationError("\(failures.count) of \(count) records were not written; first error: \(first)")
        }
        print("produced \(count) records to \(topic)")
    }

    private func split(_ line: String, lineNumber: Int) throws -> (key: String?, value: String) {
        if tabKey {
            guard let tab = line.firstIndex(of: "\t") else { return (nil, line) }
            return (String(line[..<tab]), String(line[line.index(after: tab)...]))
        }
        if let keyField {
            let where_ = "\(file ?? "stdin"):\(lineNumber)"
            guard let object = try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw ValidationError("\(where_): not a JSON object, but --key-field expects one per line")
            }
            guard let field = object[keyField], !(field is NSNull) else {
                throw ValidationError("\(where_): JSON object has no field '\(keyField)'")
            }
            return ("\(field)", line)
        }
        return (nil, line)
    }
}

/// Lines of a file, or of stdin, without their line terminators.
final class LineReader {
    private let handle: UnsafeMutablePointer<FILE>
    private let ownsHandle: Bool

    init(path: String?) throws {
        guard let path else {
            handle = fdopen(STDIN_FILENO, "r")
            ownsHandle = false
            return
        }
        guard let file = fopen(path, "r") else {
            throw ValidationError("cannot read \(path): \(String(cString: strerror(errno)))")
        }
        handle = file
        ownsHandle = true
    }

    deinit { if ownsHandle { fclose(handle) } }

    func next() -> String? {
        var buffer: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(buffer) }
        let length = getline(&buffer, &capacity, handle)
        guard length >= 0, let buffer else { return nil }
        var end = length
        while end > 0, buffer[end - 1] == 0x0A || buffer[end - 1] == 0x0D { end -= 1 }
        return String(decoding: UnsafeRawBufferPointer(start: buffer, count: end), as: UTF8.self)
    }
}
