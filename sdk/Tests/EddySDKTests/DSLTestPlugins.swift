import EddySDK
import Foundation

/// Kafka Streams' word count in the DSL: split lines into words, re-key by word (which
/// repartitions), count.
enum DSLWordCount: Plugin {
    static let name = "dsl-wordcount"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        builder.stream("text-input", key: .bytes, value: .string)
            .flatMapValues(.string) { line in line.lowercased().split(separator: " ").map(String.init) }
            .groupBy(.string, named: "by-word") { _, word in word }
            .count(.as("word-counts"))
            .toStream()
            .to("word-counts")
    }
}

struct Payment: Codable, Equatable, Sendable {
    var id: String
    var user: String
    var amount: Double
}

/// Every stateless operator and the stateful ones, on payments.
enum DSLOperators: Plugin {
    static let name = "dsl-operators"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        let payments = builder.stream("payments", key: .string, value: .json(Payment.self), named: "payments")
        let sizes = payments.split(named: "size")
            .branch("large") { _, p in p.amount >= 1000 }
            .branch("medium") { _, p in p.amount >= 100 }
            .defaultBranch("small")
        sizes["large"]!.mapValues(.string) { p in "\(p.id) large" }.to("large")
        sizes["medium"]!.merge(sizes["small"]!, named: "not-large")
            .filterNot { _, p in p.amount == 0 }
            .selectKey(.string) { _, p in p.user }
            .mapValues(.int64) { key, p in Int64(p.amount * 100) + Int64(key?.count ?? 0) }
            .to("cents-by-user")
        payments
            .peek(named: "audit") { _, p in if p.id == "boom" { throw ProcessorError.reject("boom is not a payment") } }
            .groupBy(.string, named: "by-user") { _, p in p.user }
            .aggregate(.float64, .as("balances"), named: "balance", initializer: { 1000 }) { _, p, balance in
                balance - p.amount
            }
            .filter(named: "overdrawn") { _, balance in balance < 0 }
            .toStream()
            .mapValues(.string) { balance in String(balance) }
            .to("overdrawn")
        payments
            .map(key: .string, value: .int64, named: "user-amount") { _, p in (p.user, Int64(p.amount)) }
            .groupByKey()
            .reduce(.as("largest"), named: "max") { a, b in max(a, b) }
            .toStream()
            .to("largest")
    }
}

/// A processor of the Processor API inside a DSL topology, and a closure that throws.
enum DSLWithProcessor: Plugin {
    static let name = "dsl-processor"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        builder.stream("lines", key: .string, value: .string)
            .filter { _, line in
                guard line != "bad" else { throw ProcessorError.reject("bad line") }
                return !line.isEmpty
            }
            .process(Shouter.self, key: .string, value: .string, named: "shout")
            .toTable(.as("latest"))
            .mapValues(.int64) { text in Int64(text.count) }
            .toStream(named: "lengths")
            .to("lengths")
    }
}

/// Upper-cases each value and counts how many it saw in its `seen` store.
struct Shouter: Processor {
    static let name = "shouter"
    static let stores: [StoreDeclaration] = [.keyValue("seen", key: .string, value: .int64)]
    let context: ProcessorContext
    let seen: KeyValueStore<StringSerde, BigEndianIntegerSerde<Int64>>

    init(context: ProcessorContext) throws {
        self.context = context
        seen = try context.keyValueStore("seen", key: .string, value: .int64)
    }

    mutating func process(_ record: Record) throws {
        let text = try record.value(.string) ?? ""
        try seen.put("count", (try seen.get("count") ?? 0) + 1)
        try context.forward(
            key: try record.key(.string), value: text.uppercased(), keySerde: .string, valueSerde: .string,
            timestamp: record.timestamp)
    }
}

/// A processor with a session store inside a DSL topology: `SessionUser`'s commands.
enum DSLWithSessions: Plugin {
    static let name = "dsl-sessions"
    static let version = "1.0.0"

    static func topology(_ builder: StreamsBuilder) {
        builder.stream("commands", key: .string, value: .string)
            .process(SessionUser.self, key: .string, value: .string, named: "sessions")
            .to("results")
    }
}
