import EddySDK

// The same work written three ways, for `eddy-dsl-bench`: keep the payments above 10 and add
// their amount in cents — as a DSL `filter` + `mapValues` (the host runs the operators and
// calls the closures once per run), as one hand-written Processor API processor (one ABI
// crossing per record, a `forward` back per output), each on JSON (`Codable`) values and on
// 8-byte integer values (where the serde costs next to nothing, so what is left is the
// machinery).

struct Payment: Codable {
    var id: String
    var amount: Double
    var country: String
}

struct PaymentInCents: Codable {
    var id: String
    var amount: Double
    var country: String
    var amountCents: Int64

    init(_ payment: Payment) {
        id = payment.id
        amount = payment.amount
        country = payment.country
        amountCents = Int64((payment.amount * 100).rounded())
    }
}

/// filter + mapValues on JSON payments, in one processor.
struct JSONFilterMap: Processor {
    static let name = "json-filter-map"
    let context: ProcessorContext
    init(context: ProcessorContext) throws { self.context = context }

    mutating func process(_ record: Record) throws {
        guard let payment = try record.value(.json(Payment.self)), payment.amount > 10 else { return }
        try context.forward(
            key: record.key, value: PaymentInCents(payment), keySerde: .bytes, valueSerde: .json(PaymentInCents.self),
            timestamp: record.timestamp)
    }
}

/// filter + mapValues on 8-byte amounts, in one processor.
struct IntegerFilterMap: Processor {
    static let name = "int-filter-map"
    let context: ProcessorContext
    init(context: ProcessorContext) throws { self.context = context }

    mutating func process(_ record: Record) throws {
        guard let amount = try record.value(.int64), amount > 10 else { return }
        try context.forward(
            key: record.key, value: amount * 100, keySerde: .bytes, valueSerde: .int64, timestamp: record.timestamp)
    }
}

enum BenchDSLPlugin: Plugin {
    static let name = "bench-dsl"
    static let version = "1.0.0"
    static var processors: [any Processor.Type] { [JSONFilterMap.self, IntegerFilterMap.self] }

    static func topology(_ builder: StreamsBuilder) {
        builder.stream("json-in", key: .bytes, value: .json(Payment.self), named: "json-in")
            .filter(named: "json-large") { _, payment in payment.amount > 10 }
            .mapValues(.json(PaymentInCents.self), named: "json-cents") { payment in PaymentInCents(payment) }
            .to("json-out", named: "json-out")
        builder.stream("int-in", key: .bytes, value: .int64, named: "int-in")
            .filter(named: "int-large") { _, amount in amount > 10 }
            .mapValues(.int64, named: "int-cents") { amount in amount * 100 }
            .to("int-out", named: "int-out")
    }
}

@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { BenchDSLPlugin.export() }
