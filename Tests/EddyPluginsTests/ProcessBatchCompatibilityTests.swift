import EddyHost
@_spi(EddyHost) import EddySDK
import Foundation
import Testing

@testable import EddyPlugins

/// Append-only structs in practice: a processor built against ABI 1.0 (no `process_batch`
/// field) loads and runs batches record by record; a Swift plugin runs them in one crossing.
@Suite struct ProcessBatchCompatibilityTests {
    final class Recording: HostContext {
        var values: [String] = []

        init(config: [String: String]) { super.init(taskId: "0_0", applicationId: "test", config: config, stores: []) }

        override func forward(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
            values.append(String(decoding: Record(unsafeRecord: record).value ?? [], as: UTF8.self))
            return eddy_status(EDDY_OK)
        }
    }

    private func runBatch(_ processor: ProcessorDescription, _ values: [String]) throws -> (
        Int, ProcessorOutcome, [String]
    ) {
        let entry = processor.entry
        let context = Recording(
            config: try ConfigResolver.resolve([:], for: processor.name, declared: processor.config))
        let instance = try ProcessorInstance(processor: entry, context: context)
        let storage = values.map { Array($0.utf8) }
        let records = UnsafeMutablePointer<eddy_record>.allocate(capacity: values.count)
        defer { records.deallocate() }
        let result = withExtendedLifetime(storage) { () -> (processed: Int, outcome: ProcessorOutcome) in
            for (index, bytes) in storage.enumerated() {
                var record = eddy_record()
                record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
                record.value = bytes.withUnsafeBytes { eddy_bytes(borrowing: $0) }
                record.partition = -1
                record.offset = -1
                records[index] = record
            }
            return instance.process(batch: records, count: values.count)
        }
        instance.close()
        return (result.processed, result.outcome, context.values)
    }

    @Test func anABI10ProcessorRunsBatchesRecordByRecord() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let path = try fixture.compileC(
            CPluginSources.plugin(marker: "m", processorSize: "offsetof(eddy_processor, process_batch)"),
            as: "libold.so")
        let plugin = try loader.load(path)
        let processor = try #require(plugin.processor(named: "marker"))
        #expect(Int(processor.entry.pointee.struct_size) == MemoryLayout<eddy_processor>.offset(of: \.process_batch)!)
        let (processed, outcome, values) = try runBatch(processor, ["a", "b", "c"])
        #expect(processed == 3)
        #expect(outcome == .ok)
        #expect(values == ["m", "m", "m"])
    }

    @Test func aSwiftPluginRunsABatchInOneCrossing() throws {
        let fixture = try PluginFixture()
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        let plugin = try loader.load(try fixture.install(product: "Enrich"))
        let processor = try #require(plugin.processor(named: "enrich"))
        #expect(processor.entry.pointee.process_batch != nil)
        let (processed, outcome, values) = try runBatch(
            processor, [#"{"id":"a","amount":0,"country":"NL"}"#, "not json", #"{"id":"c","amount":0,"country":"NL"}"#])
        #expect(processed == 1)
        guard case .rejected(let reason) = outcome else {
            Issue.record("expected a rejection, got \(outcome)")
            return
        }
        #expect(reason.hasPrefix("not a payment: "))
        #expect(values == [#"{"amount":0,"country":"NL","currency":"EUR","highRisk":false,"id":"a","riskScore":0.1}"#])
    }
}
