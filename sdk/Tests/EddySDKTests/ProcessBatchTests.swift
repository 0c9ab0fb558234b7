import EddyHost
@_spi(EddyHost) import EddySDK
import Testing

/// `process_batch`: a run of records in one ABI crossing, with the same outcomes as
/// record-by-record `process`.
@Suite struct ProcessBatchTests {
    /// A host context that keeps forwarded values as text.
    final class Recording: HostContext {
        var values: [String] = []

        init(config: [String: String]) {
            super.init(taskId: "0_0", applicationId: "test", config: config, stores: [])
        }

        override func forward(_ record: UnsafePointer<eddy_record>, to child: UnsafePointer<CChar>?) -> eddy_status {
            values.append(String(decoding: Record(unsafeRecord: record).value ?? [], as: UTF8.self))
            return eddy_status(EDDY_OK)
        }
    }

    private func withRecords<R>(_ values: [String], _ body: (UnsafePointer<eddy_record>, Int) -> R) -> R {
        let storage = values.map { Array($0.utf8) }
        let records = UnsafeMutablePointer<eddy_record>.allocate(capacity: values.count)
        defer { records.deallocate() }
        return withExtendedLifetime(storage) {
            for (index, bytes) in storage.enumerated() {
                var record = eddy_record()
                record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
                record.value = bytes.withUnsafeBytes { eddy_bytes(borrowing: $0) }
                record.timestamp = Int64(index)
                record.partition = -1
                record.offset = -1
                records[index] = record
            }
            return body(records, values.count)
        }
    }

    @Test func processesARunAndStopsAtARejectedRecord() throws {
        let context = Recording(config: ["mode": "normal", "limit": "3", "strict": "false"])
        let processor = try #require(try PluginDescription(SDKTestPlugin.descriptor).processor(named: "judge"))
        #expect(processor.entry.pointee.process_batch != nil)
        let instance = try ProcessorInstance(processor: processor.entry, context: context)

        let first = withRecords(["a", "b", "bad", "c"]) { instance.process(batch: $0, count: $1) }
        #expect(first.processed == 2)
        #expect(first.outcome == .rejected("bad is not allowed"))
        let rest = withRecords(["c", "d"]) { instance.process(batch: $0, count: $1) }
        #expect(rest.processed == 2)
        #expect(rest.outcome == .ok)
        let failed = withRecords(["e", "boom"]) { instance.process(batch: $0, count: $1) }
        #expect(failed.processed == 1)
        #expect(failed.outcome == .failed("boom broke it"))
        #expect(context.values == ["a", "b", "c", "d", "e"])
    }
}
