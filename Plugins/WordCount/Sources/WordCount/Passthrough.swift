import EddySDK

/// Forwards every record unchanged, with no copy: the least a plugin processor can do.
/// The benchmarks run it as workload W1, so that Eddy's passthrough is compared with a raw
/// librdkafka consume-produce loop and the difference is what the runtime itself costs.
public struct Passthrough: Processor {
    public static let name = "passthrough"
    public static let doc: String? = "Forwards every record unchanged (the benchmarks' W1)."

    private let context: ProcessorContext

    public init(context: ProcessorContext) throws {
        self.context = context
    }

    public mutating func process(_ record: Record) throws {
        try context.forward(record)
    }
}
