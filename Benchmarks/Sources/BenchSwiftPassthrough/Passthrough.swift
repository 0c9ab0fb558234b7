import EddySDK

/// Forwards every record unchanged: the least a processor can do, so the benchmark measures
/// the ABI crossing (host -> process -> forward -> host) and nothing else.
struct Passthrough: Processor {
    static let name = "passthrough"
    let context: ProcessorContext

    init(context: ProcessorContext) throws { self.context = context }

    mutating func process(_ record: Record) throws {
        try context.forward(record)
    }
}

enum PassthroughPlugin: Plugin {
    static let name = "bench-swift"
    static let version = "1.0.0"
    static var processors: [any Processor.Type] { [Passthrough.self] }
    static let functions: [TypedFunction] = [TypedFunction("scale", signature: "f64(f64,i64)", scale)]

    /// `scale(x, n) = x * n`, the typed function whose libffi call is measured.
    static let scale: @convention(c) (Double, Int64) -> Double = { value, factor in value * Double(factor) }
}

@_cdecl("eddy_plugin_v1")
public func eddyPlugin() -> UnsafeRawPointer { PassthroughPlugin.export() }
