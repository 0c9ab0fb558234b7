@_spi(EddyHost) import EddySDK

/// What became of one call into a processor.
public enum ProcessorOutcome: Equatable, Sendable {
    /// The call succeeded.
    case ok
    /// The processor rejected the record (`EDDY_REJECT`): send it to the dead-letter topic
    /// with this reason.
    case rejected(String)
    /// The processor failed (`EDDY_ERROR` or an unknown status): fail the task.
    case failed(String)
}

/// `init` of a processor failed: which processor, and the plugin's message.
public struct ProcessorInitError: Error, CustomStringConvertible {
    public let processor: String
    public let message: String
    public var description: String { "processor \(processor) failed to initialize: \(message)" }
}

/// One live instance of a plugin processor for one task, driven through the C ABI:
/// `init` on creation, then `process`, punctuations, and `close`.
///
/// Use it from one thread at a time (the task's stream thread).
public final class ProcessorInstance {
    /// The processor's name.
    public let name: String
    /// The host side of this instance.
    public let context: HostContext
    private let processor: UnsafePointer<eddy_processor>
    @usableFromInline
    let processEntry: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<eddy_record>?) -> eddy_status
    @usableFromInline
    let processBatchEntry:
        (
            @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<eddy_record>?, Int, UnsafeMutablePointer<Int>?) ->
                eddy_status
        )?
    @usableFromInline
    var instance: UnsafeMutableRawPointer?
    /// Whether the node should hand this instance whole runs (`process(batch:)`) rather than
    /// record by record: set for processors of an isolated plugin, where a call is a crossing
    /// to another process.
    public var takesWholeRuns = false

    /// Creates an instance: calls the processor's `init` with the host table and `context`.
    ///
    /// - Parameters:
    ///   - processor: a processor entry of a loaded plugin's descriptor (static).
    ///   - context: the host side of the instance; kept until `close`.
    public init(processor: UnsafePointer<eddy_processor>, context: HostContext) throws {
        self.processor = processor
        self.context = context
        self.name = String(cString: processor.pointee.name)
        guard let initEntry = processor.pointee.`init`, let processEntry = processor.pointee.process,
            processor.pointee.close != nil
        else {
            throw ProcessorInitError(processor: name, message: "the descriptor lacks init, process or close")
        }
        self.processEntry = processEntry
        self.processBatchEntry =
            hasProcessBatchField(processor) ? processor.pointee.process_batch : nil
        var instance: UnsafeMutableRawPointer?
        let status = initEntry(processor, HostAPITable.pointer, HostAPITable.contextPointer(context), &instance)
        guard status == EDDY_OK else {
            throw ProcessorInitError(processor: name, message: context.takeError(status: status))
        }
        self.instance = instance
    }

    deinit { close() }

    /// Runs `process` for one record (borrowed for the call). The per-record hot path:
    /// inlinable, one C call, and an outcome without allocation when it succeeds.
    @inlinable
    public func process(_ record: UnsafePointer<eddy_record>) -> ProcessorOutcome {
        let status = processEntry(instance, record)
        return status == EDDY_OK ? .ok : outcome(status)
    }

    /// Runs a run of `count` records (laid out with a stride of `records[0].struct_size`)
    /// in one ABI crossing when the plugin has `process_batch`, else record by record.
    ///
    /// - Returns: how many records, from the first, succeeded, and the outcome of the record
    ///   that stopped the run (`.ok` when all succeeded). After a rejection, continue with
    ///   the record after it.
    @inlinable
    public func process(batch records: UnsafePointer<eddy_record>, count: Int) -> (
        processed: Int, outcome: ProcessorOutcome
    ) {
        guard count > 0 else { return (0, .ok) }
        if let processBatchEntry {
            var processed = 0
            let status = processBatchEntry(instance, records, count, &processed)
            return status == EDDY_OK ? (count, .ok) : (processed, outcome(status))
        }
        let stride = Int(records.pointee.struct_size)
        for index in 0..<count {
            let record = (UnsafeRawPointer(records) + index * stride).assumingMemoryBound(to: eddy_record.self)
            let result = process(record)
            guard case .ok = result else { return (index, result) }
        }
        return (count, .ok)
    }

    /// Runs `process` for a record built from these fields (`topic` nil when unknown).
    public func process(
        key: [UInt8]?, value: [UInt8]?, timestamp: Int64, topic: String? = nil, partition: Int32 = -1,
        offset: Int64 = -1, headers: [Header] = []
    ) -> ProcessorOutcome {
        var topicBytes = Array((topic ?? "").utf8)
        return withBytes(key) { keySlice in
            withBytes(value) { valueSlice in
                topicBytes.withUnsafeMutableBytes { topicBuffer in
                    withHeaderArray(headers) { headerArray, headerCount in
                        var record = eddy_record()
                        record.struct_size = UInt32(MemoryLayout<eddy_record>.size)
                        record.key = keySlice
                        record.value = valueSlice
                        record.timestamp = timestamp
                        record.topic =
                            topic == nil
                            ? eddy_str(ptr: nil, len: 0) : eddy_str(borrowing: UnsafeRawBufferPointer(topicBuffer))
                        record.partition = partition
                        record.offset = offset
                        record.headers = headerCount > 0 ? headerArray : nil
                        record.header_count = headerCount
                        return process(&record)
                    }
                }
            }
        }
    }

    /// Fires the schedules of `type` that are due at `now` (ms), in due order, and returns
    /// each outcome with its schedule id. Stops at the first failure.
    public func punctuate(_ type: PunctuationType, now: Int64) -> [(schedule: UInt64, outcome: ProcessorOutcome)] {
        guard let punctuate = processor.pointee.punctuate else { return [] }
        var outcomes: [(UInt64, ProcessorOutcome)] = []
        for id in context.schedules.takeDue(type, now: now) {
            let status = punctuate(instance, id, now)
            let result = status == EDDY_OK ? ProcessorOutcome.ok : outcome(status)
            outcomes.append((id, result))
            if case .failed = result { break }
        }
        return outcomes
    }

    /// Ends the instance: calls the processor's `close`. Idempotent.
    public func close() {
        guard let current = instance else { return }
        instance = nil
        processor.pointee.close?(current)
        context.closeIterators()
    }

    @usableFromInline
    func outcome(_ status: eddy_status) -> ProcessorOutcome {
        let message = context.takeError(status: status)
        return status == EDDY_REJECT ? .rejected(message) : .failed(message)
    }

    private func withBytes<R>(_ bytes: [UInt8]?, _ body: (eddy_bytes) -> R) -> R {
        guard let bytes else { return body(.absent) }
        return bytes.withUnsafeBytes { body(eddy_bytes(borrowing: $0)) }
    }
}

extension HostContext {
    /// The plugin's error message for a failed call (cleared), or a note that it gave none.
    public func takeError(status: eddy_status) -> String {
        defer { lastError = nil }
        return lastError ?? "\(HostCallError.name(of: status)) without a message"
    }
}

/// Whether a plugin's processor entry is new enough to have `process_batch` (its
/// `struct_size` covers the field).
@usableFromInline
func hasProcessBatchField(_ processor: UnsafePointer<eddy_processor>) -> Bool {
    Int(processor.pointee.struct_size)
        >= MemoryLayout<eddy_processor>.offset(of: \.process_batch)! + MemoryLayout<Int>.size
}
