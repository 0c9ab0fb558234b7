// The C-facing layer of the DSL: one `eddy_node.apply` call as Swift sees it, and the thunk
// the descriptor points at. All pointer work of DSL nodes on the plugin side lives here.

/// One call of a node's function: the run of records the host passed, the slots for
/// results, and `emit` back to the host. Valid only during the call.
@usableFromInline
struct NodeCall {
    @usableFromInline let host: UnsafePointer<eddy_host_api>
    @usableFromInline let ctx: OpaquePointer
    @usableFromInline let records: UnsafeRawPointer
    @usableFromInline let stride: Int
    @usableFromInline let count: Int
    @usableFromInline let aggregates: UnsafePointer<eddy_bytes>?
    @usableFromInline let results: UnsafeMutablePointer<Int32>?

    @usableFromInline
    init(
        host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer, records: UnsafeRawPointer, stride: Int, count: Int,
        aggregates: UnsafePointer<eddy_bytes>?, results: UnsafeMutablePointer<Int32>?
    ) {
        self.host = host
        self.ctx = ctx
        self.records = records
        self.stride = stride
        self.count = count
        self.aggregates = aggregates
        self.results = results
    }

    /// Calls `body` with each record in order; an error thrown for a record is rethrown as
    /// ``RejectedRecord`` carrying the record's index.
    @inlinable
    func forEachRecord(_ body: (Int, Record) throws -> Void) throws {
        for index in 0..<count {
            let record = Record(lent: (records + index * stride).assumingMemoryBound(to: eddy_record.self))
            do {
                try body(index, record)
            } catch {
                throw RejectedRecord(index: index, cause: error)
            }
        }
    }

    /// Writes the result of record `index` (filters: 1 or 0; branches: the branch or -1).
    @inlinable
    func setResult(_ index: Int, _ value: Int32) {
        results.unsafelyUnwrapped[index] = value
    }

    /// The current aggregate of record `index`'s key, nil for a key with none yet.
    @inlinable
    func aggregate(_ index: Int) -> UnsafeRawBufferPointer? {
        aggregates.flatMap { $0[index].buffer }
    }

    /// Emits a (key, value) output of record `index`.
    @inlinable
    func emit<K: Serde, V: Serde>(_ index: Int, key: K.Value, _ keySerde: K, value: V.Value, _ valueSerde: V) throws {
        try keySerde.serialize(key) { keyBuffer in
            try valueSerde.serialize(value) { valueBuffer in
                try send(index, eddy_bytes(borrowing: keyBuffer), eddy_bytes(borrowing: valueBuffer))
            }
        }
    }

    /// Emits a value output of record `index` (the host keeps the record's key).
    @inlinable
    func emitValue<V: Serde>(_ index: Int, _ value: V.Value, _ serde: V) throws {
        try serde.serialize(value) { try send(index, .absent, eddy_bytes(borrowing: $0)) }
    }

    /// Emits a tombstone (a null value) for record `index`.
    @inlinable
    func emitTombstone(_ index: Int) throws {
        try send(index, .absent, .absent)
    }

    /// Emits a key output of record `index` (the host keeps the record's value).
    @inlinable
    func emitKey<K: Serde>(_ index: Int, _ key: K.Value, _ serde: K) throws {
        try serde.serialize(key) { try send(index, eddy_bytes(borrowing: $0), .absent) }
    }

    /// Emits an absent key for record `index`: a key selector's "no key" (a foreign-key
    /// extractor's nil).
    @inlinable
    func emitNoKey(_ index: Int) throws {
        try send(index, .absent, .absent)
    }

    @inlinable
    func send(_ index: Int, _ key: eddy_bytes, _ value: eddy_bytes) throws {
        guard let emit = host.pointee.emit, Self.hostHasEmit(host) else {
            throw NodeCallError(
                message:
                    "this host's ABI (\(host.pointee.abi_major).\(host.pointee.abi_minor)) has no emit; DSL topologies need 1.2"
            )
        }
        let status = emit(ctx, index, key, value)
        guard status == EDDY_OK else { throw HostCallError(operation: "emit(\(index))", status: status) }
    }

    /// Whether the host's table is new enough (1.2) to have `emit`.
    @inlinable
    static func hostHasEmit(_ host: UnsafePointer<eddy_host_api>) -> Bool {
        Int(host.pointee.struct_size) >= MemoryLayout<eddy_host_api>.offset(of: \.emit)!
            + MemoryLayout<UnsafeRawPointer>.size
    }
}

/// One call of a session aggregation's merger: the aggregates of the sessions of `key` that
/// a record bridges, to fold into one and emit. Valid only during the call.
@usableFromInline
struct MergeCall {
    @usableFromInline let host: UnsafePointer<eddy_host_api>
    @usableFromInline let ctx: OpaquePointer
    @usableFromInline let key: UnsafeRawBufferPointer
    @usableFromInline let aggregates: UnsafePointer<eddy_bytes>
    @usableFromInline let count: Int

    @usableFromInline
    init(
        host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer, key: UnsafeRawBufferPointer,
        aggregates: UnsafePointer<eddy_bytes>, count: Int
    ) {
        self.host = host
        self.ctx = ctx
        self.key = key
        self.aggregates = aggregates
        self.count = count
    }

    /// Aggregate `index` (in the order of the sessions).
    @inlinable
    func aggregate(_ index: Int) -> UnsafeRawBufferPointer {
        aggregates[index].buffer ?? UnsafeRawBufferPointer(start: nil, count: 0)
    }

    /// Emits the merged aggregate.
    @inlinable
    func emit<A: Serde>(_ merged: A.Value, _ serde: A) throws {
        try serde.serialize(merged) { buffer in
            try NodeCall(
                host: host, ctx: ctx, records: UnsafeRawPointer(aggregates), stride: 0, count: 1, aggregates: nil,
                results: nil
            )
            .send(0, .absent, eddy_bytes(borrowing: buffer))
        }
    }
}

/// A node's function failed on one record of a call.
@usableFromInline
struct RejectedRecord: Error {
    @usableFromInline let index: Int
    @usableFromInline let cause: any Error

    @usableFromInline
    init(index: Int, cause: any Error) {
        self.index = index
        self.cause = cause
    }
}

/// A DSL call could not proceed (not about one record's content).
@usableFromInline
struct NodeCallError: Error, CustomStringConvertible {
    @usableFromInline let message: String

    @usableFromInline
    init(message: String) { self.message = message }

    @usableFromInline
    var description: String { message }
}

/// The `apply` entry of every DSL node: reaches the node's ``NodeFunction`` through
/// `plugin_data` (an unmanaged, guaranteed reference) and turns its outcome into a status.
/// A static member, so it carries no actor isolation.
enum NodeThunks {
    static let apply:
        @convention(c) (
            UnsafePointer<eddy_node>?, UnsafePointer<eddy_host_api>?, OpaquePointer?, UnsafePointer<eddy_record>?, Int,
            UnsafePointer<eddy_bytes>?, UnsafeMutablePointer<Int32>?, UnsafeMutablePointer<Int>?
        ) -> eddy_status = { node, host, ctx, records, count, aggregates, results, processedOut in
            guard let node, let host, let ctx, let records, let processedOut, let data = node.pointee.plugin_data else {
                return eddy_status(EDDY_INVALID_ARGUMENT)
            }
            let call = NodeCall(
                host: host, ctx: ctx, records: UnsafeRawPointer(records), stride: Int(records.pointee.struct_size),
                count: count,
                aggregates: aggregates, results: results)
            return Unmanaged<NodeFunction>.fromOpaque(data)._withUnsafeGuaranteedRef { function in
                do {
                    try function.apply(call)
                    processedOut.pointee = count
                    return eddy_status(EDDY_OK)
                } catch let rejected as RejectedRecord {
                    processedOut.pointee = rejected.index
                    ProcessorContext.report(rejectionReason(rejected.cause), host: host, ctx: ctx)
                    // ProcessorError.fail means EDDY_ERROR in a closure as in a processor: fail the task.
                    if rejected.cause is HostCallError || rejected.cause is NodeCallError {
                        return eddy_status(EDDY_ERROR)
                    }
                    if case ProcessorError.fail = rejected.cause { return eddy_status(EDDY_ERROR) }
                    return eddy_status(EDDY_REJECT)
                } catch {
                    processedOut.pointee = 0
                    ProcessorContext.report("\(error)", host: host, ctx: ctx)
                    return eddy_status(EDDY_ERROR)
                }
            }
        }

    static let merge:
        @convention(c) (
            UnsafePointer<eddy_node>?, UnsafePointer<eddy_host_api>?, OpaquePointer?, eddy_bytes,
            UnsafePointer<eddy_bytes>?, Int
        ) -> eddy_status = { node, host, ctx, key, aggregates, count in
            guard let node, let host, let ctx, let aggregates, count >= 2, let data = node.pointee.plugin_data else {
                return eddy_status(EDDY_INVALID_ARGUMENT)
            }
            let call = MergeCall(
                host: host, ctx: ctx, key: key.buffer ?? UnsafeRawBufferPointer(start: nil, count: 0),
                aggregates: aggregates, count: count)
            return Unmanaged<NodeFunction>.fromOpaque(data)._withUnsafeGuaranteedRef { function in
                do {
                    guard let merge = function.merge else { throw NodeCallError(message: "this node has no merger") }
                    try merge(call)
                    return eddy_status(EDDY_OK)
                } catch {
                    ProcessorContext.report("merge failed: \(error)", host: host, ctx: ctx)
                    return eddy_status(EDDY_ERROR)
                }
            }
        }

    /// What the dead-letter headers say about a record a function rejected.
    static func rejectionReason(_ error: any Error) -> String {
        if let error = error as? ProcessorError { return error.description }
        return String(describing: error)
    }
}
