import EddyHost
import EddyPlugins
import EddySDK
import Foundation

// The ABI benchmark: ns per record for host -> process -> one forward back, through a
// dlopen'd Swift plugin and a dlopen'd C plugin, against the same pass-through called
// directly in Swift; and ns per typed-function call through libffi.

// Usage: eddy-abi-bench [records per round, default 20,000,000] (run.sh --quick passes fewer).
let records = CommandLine.arguments.dropFirst().first.flatMap { Int($0) } ?? 20_000_000
let calls = records / 10
let rounds = 5

let products = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent().path
let cache = NSTemporaryDirectory() + "eddy-abi-bench-\(getpid())"
defer { try? FileManager.default.removeItem(atPath: cache) }
let loader = PluginLoader(pluginDirectory: products, cacheDirectory: cache)

func load(_ product: String) -> LoadedPlugin {
    do {
        return try loader.load(products + "/lib\(product).so")
    } catch {
        fatalError("\(error) — build first: swift build -c release --package-path Benchmarks")
    }
}

let swiftPlugin = load("BenchSwiftPassthrough")
let cPlugin = load("BenchCPassthrough")

/// The host side for the benchmark: forward counts records and sums value bytes, so the
/// optimizer cannot drop the work.
final class CountingContext: HostContext {
    var forwarded = 0
    var bytes = 0

    init() { super.init(taskId: "0_0", applicationId: "bench", config: [:], stores: []) }

    override func forward(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
        forwarded &+= 1
        bytes &+= record.pointee.value.len
        return eddy_status(EDDY_OK)
    }
}

/// The same pass-through written directly in Swift: no C ABI in between.
final class DirectPassthrough {
    let sink: CountingContext
    init(sink: CountingContext) { self.sink = sink }

    @inline(never)
    func process(_ record: UnsafePointer<eddy_record>) -> eddy_status {
        sink.forward(record, to: nil)
    }
}

let key = Array("user-42".utf8)
let value = Array("{\"amount\":12.5,\"country\":\"NL\"}".utf8)

/// Best-of-`rounds` nanoseconds per iteration of `body(count)`.
func measure(_ count: Int, _ body: (Int) -> Void) -> Double {
    var best = Double.infinity
    for _ in 0..<rounds {
        let start = DispatchTime.now().uptimeNanoseconds
        body(count)
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - start)
        best = min(best, elapsed / Double(count))
    }
    return best
}

func withRecord<R>(_ body: (UnsafePointer<eddy_record>) -> R) -> R {
    key.withUnsafeBytes { keyBuffer in
        value.withUnsafeBytes { valueBuffer in
            var record = eddy_record()
            record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
            record.key = eddy_bytes(borrowing: keyBuffer)
            record.value = eddy_bytes(borrowing: valueBuffer)
            record.timestamp = 1
            record.partition = -1
            record.offset = -1
            return withUnsafePointer(to: &record) { body($0) }
        }
    }
}

func abiRun(_ plugin: LoadedPlugin) -> (ns: Double, forwarded: Int) {
    let context = CountingContext()
    let instance = try! ProcessorInstance(processor: plugin.processor(named: "passthrough")!.entry, context: context)
    let ns = withRecord { record in
        measure(records) { count in
            for _ in 0..<count { guard case .ok = instance.process(record) else { fatalError("process failed") } }
        }
    }
    instance.close()
    return (ns, context.forwarded)
}

/// The same, a run of `batch` records per `process_batch` crossing.
let batch = 64

func abiBatchRun(_ plugin: LoadedPlugin) -> Double {
    let context = CountingContext()
    let instance = try! ProcessorInstance(processor: plugin.processor(named: "passthrough")!.entry, context: context)
    let ns = withRecord { record in
        withUnsafeTemporaryAllocation(of: eddy_record.self, capacity: batch) { run in
            for index in 0..<batch { run[index] = record.pointee }
            return measure(records) { count in
                for _ in 0..<(count / batch) {
                    guard case .ok = instance.process(batch: run.baseAddress!, count: batch).outcome else {
                        fatalError("process_batch failed")
                    }
                }
            }
        }
    }
    instance.close()
    precondition(context.forwarded == records / batch * batch * rounds)
    return ns
}

let direct: (ns: Double, forwarded: Int) = {
    let context = CountingContext()
    let processor = DirectPassthrough(sink: context)
    let ns = withRecord { record in
        measure(records) { count in
            for _ in 0..<count where processor.process(record) != eddy_status(EDDY_OK) { fatalError("process failed") }
        }
    }
    return (ns, context.forwarded)
}()
let swiftABI = abiRun(swiftPlugin)
let cABI = abiRun(cPlugin)
let swiftBatch = abiBatchRun(swiftPlugin)
let cBatch = abiBatchRun(cPlugin)

precondition(
    direct.forwarded == records * rounds && swiftABI.forwarded == records * rounds && cABI.forwarded == records * rounds
)

let scaleCaller = try! swiftPlugin.function(named: "scale")
var checksum = 0.0
let ffiNs = measure(calls) { count in
    for index in 0..<count {
        guard case .f64(let result) = try! scaleCaller.call([.f64(1.5), .i64(Int64(index & 7))]) else { fatalError() }
        checksum += result
    }
}
let scaleDirect = unsafeBitCast(
    swiftPlugin.description.functions[0].address!, to: (@convention(c) (Double, Int64) -> Double).self)
let directCallNs = measure(calls) { count in
    for index in 0..<count { checksum += scaleDirect(1.5, Int64(index & 7)) }
}

func format(_ ns: Double) -> String { String(format: "%6.2f", ns) }

print("eddy ABI benchmark (release, best of \(rounds) runs; \(records) records, \(calls) calls per run)")
print("per record: host -> process -> one forward back")
print("  direct Swift (no ABI)        \(format(direct.ns)) ns")
print(
    "  Swift plugin through the ABI \(format(swiftABI.ns)) ns   (ABI crossing: \(format(swiftABI.ns - direct.ns)) ns)")
print("  C plugin through the ABI     \(format(cABI.ns)) ns   (ABI crossing: \(format(cABI.ns - direct.ns)) ns)")
print("per record, in runs of \(batch) through process_batch")
print("  Swift plugin                 \(format(swiftBatch)) ns   (ABI crossing: \(format(swiftBatch - direct.ns)) ns)")
print("  C plugin                     \(format(cBatch)) ns   (ABI crossing: \(format(cBatch - direct.ns)) ns)")
print("per typed-function call: scale f64(f64,i64)")
print("  TypedFunctionCaller.call       \(format(ffiNs)) ns   (scalar signatures skip libffi)")
print("  direct C function pointer      \(format(directCallNs)) ns")
print("(checksum \(checksum))")
