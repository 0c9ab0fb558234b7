#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

// The C-facing layer of the SDK: builds the static `eddy_plugin` descriptor from a `Plugin`
// and bridges the descriptor's entries to `Processor` values. All pointer work of the
// plugin side lives here.

/// One descriptor per `Plugin` type, built on first use and kept for the life of the image
/// (the host never unloads plugins). Keyed by the type's identity, never by its name.
final class DescriptorCache: @unchecked Sendable {
    static let shared = DescriptorCache()

    private let mutex: UnsafeMutablePointer<pthread_mutex_t>
    private var descriptors: [ObjectIdentifier: UnsafePointer<eddy_plugin>] = [:]

    private init() {
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    func descriptor<P: Plugin>(for plugin: P.Type) -> UnsafePointer<eddy_plugin> {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let descriptor = descriptors[ObjectIdentifier(plugin)] { return descriptor }
        let descriptor = DescriptorBuilder.build(plugin)
        descriptors[ObjectIdentifier(plugin)] = descriptor
        return descriptor
    }
}

/// Lays a `Plugin` out as C structs that are never freed (the image is never unloaded).
enum DescriptorBuilder {
    static func build<P: Plugin>(_ plugin: P.Type) -> UnsafePointer<eddy_plugin> {
        var descriptor = eddy_plugin()
        descriptor.struct_size = UInt32(MemoryLayout<eddy_plugin>.size)
        descriptor.abi_major = ABIVersion.major
        descriptor.abi_minor = ABIVersion.minor
        descriptor.toolchain = permanent(Toolchain.fingerprint)
        descriptor.name = permanent(P.name)
        descriptor.version = permanent(P.version)
        descriptor.doc = P.doc.map(permanent)
        let builder = StreamsBuilder()
        P.topology(builder)
        var processorTypes = P.processors
        for type in builder.processors where !processorTypes.contains(where: { $0.name == type.name }) {
            processorTypes.append(type)
        }
        let processors = processorTypes.map { processor(from: $0) }
        descriptor.processors = permanentArray(processors)
        descriptor.processor_count = processors.count
        let functions = P.functions.map(function(from:))
        descriptor.functions = permanentArray(functions)
        descriptor.function_count = functions.count
        descriptor.topology = builder.nodes.isEmpty ? nil : topology(from: builder.nodes)
        let streamFunctions = P.streamFunctions.map { node(from: $0.node) }
        descriptor.stream_functions = permanentArray(streamFunctions)
        descriptor.stream_function_count = streamFunctions.count
        return permanentStruct(descriptor)
    }

    private static func topology(from nodes: [TopologyNode]) -> UnsafePointer<eddy_topology> {
        var topology = eddy_topology()
        topology.struct_size = UInt32(MemoryLayout<eddy_topology>.size)
        let entries = nodes.map(node(from:))
        topology.nodes = permanentArray(entries)
        topology.node_count = entries.count
        return permanentStruct(topology)
    }

    private static func node(from node: TopologyNode) -> UnsafePointer<eddy_node>? {
        var entry = eddy_node()
        entry.struct_size = UInt32(MemoryLayout<eddy_node>.size)
        entry.name = permanent(node.name)
        entry.kind = node.kind.rawValue
        entry.flags = node.flags.rawValue
        entry.parents = permanentStrings(node.parents)
        entry.parent_count = node.parents.count
        entry.topics = permanentStrings(node.topics)
        entry.topic_count = node.topics.count
        entry.key_serde = node.keySerde.map(permanent)
        entry.value_serde = node.valueSerde.map(permanent)
        entry.store = node.store.map(store(from:)) ?? nil
        entry.processor = node.processor.map(permanent)
        entry.branches = permanentStrings(node.branches)
        entry.branch_count = node.branches.count
        entry.partitions = node.partitions
        if let function = node.function {
            entry.plugin_data = UnsafeRawPointer(Unmanaged.passRetained(function).toOpaque())
            entry.apply = NodeThunks.apply
            if function.merge != nil { entry.merge = NodeThunks.merge }
        }
        if let window = node.window {
            entry.window = eddy_window(
                type: window.type, size_ms: window.size, advance_ms: window.advance, grace_ms: window.grace)
        }
        if let suppressed = node.suppress {
            var suppress = eddy_suppress()
            switch suppressed.until {
            case .windowCloses:
                suppress.until = eddy_suppress_until(EDDY_SUPPRESS_WINDOW_CLOSES)
            case .timeLimit(let limit):
                suppress.until = eddy_suppress_until(EDDY_SUPPRESS_TIME_LIMIT)
                suppress.time_limit_ms = limit
            }
            suppress.max_records = suppressed.maxRecords ?? 0
            suppress.max_bytes = suppressed.maxBytes ?? 0
            suppress.when_full = eddy_suppress_full(
                suppressed.emitEarlyWhenFull ? EDDY_SUPPRESS_EMIT_EARLY : EDDY_SUPPRESS_SHUT_DOWN)
            entry.suppress = suppress
        }
        if let extractor = node.timestampExtractor {
            entry.timestamp_extractor = self.node(
                from: TopologyNode(
                    name: "\(node.name)-timestamps", kind: .timestampExtractor, parents: [], function: extractor))
        }
        if let joinType = node.joinType { entry.join_type = eddy_join_type(joinType.rawValue) }
        if let windows = node.joinWindows {
            entry.join_windows = eddy_join_windows(
                before_ms: windows.before, after_ms: windows.after, grace_ms: windows.grace)
        }
        let joinStores = node.joinStores.map(store(from:))
        entry.join_stores = joinStores.isEmpty ? nil : permanentArray(joinStores)
        entry.join_store_count = joinStores.count
        if let selector = node.keySelector {
            entry.key_selector = self.node(
                from: TopologyNode(name: "\(node.name)-key-selector", kind: .selectKey, parents: [], function: selector)
            )
        }
        return permanentStruct(entry)
    }

    private static func processor(from type: any Processor.Type) -> UnsafePointer<eddy_processor>? {
        var entry = eddy_processor()
        entry.struct_size = UInt32(MemoryLayout<eddy_processor>.size)
        entry.name = permanent(type.name)
        entry.doc = type.doc.map(permanent)
        let stores = type.stores.map(store(from:))
        entry.stores = permanentArray(stores)
        entry.store_count = stores.count
        let config = type.config.map(configKey(from:))
        entry.config = permanentArray(config)
        entry.config_count = config.count
        entry.plugin_data = UnsafeRawPointer(Unmanaged.passRetained(factory(for: type)).toOpaque())
        entry.`init` = ProcessorThunks.initialize
        entry.process = ProcessorThunks.process
        entry.punctuate = ProcessorThunks.punctuate
        entry.close = ProcessorThunks.close
        entry.process_batch = ProcessorThunks.processBatch
        return permanentStruct(entry)
    }

    private static func factory<P: Processor>(for type: P.Type) -> ProcessorFactory {
        ProcessorFactory { host, ctx in
            let context = ProcessorContext(host: host, ctx: ctx)
            return ProcessorBox<P>(processor: try P(context: context), context: context)
        }
    }

    private static func store(from declaration: StoreDeclaration) -> UnsafePointer<eddy_store_decl>? {
        var store = eddy_store_decl()
        store.struct_size = UInt32(MemoryLayout<eddy_store_decl>.size)
        store.name = permanent(declaration.name)
        store.kind = declaration.kind.rawValue
        store.key_serde = permanent(declaration.keySerde)
        store.value_serde = permanent(declaration.valueSerde)
        store.changelog = declaration.changelog
        store.retention_ms = declaration.retentionMs
        store.window_size_ms = declaration.windowSizeMs
        return permanentStruct(store)
    }

    private static func configKey(from key: ConfigKey) -> UnsafePointer<eddy_config_key>? {
        var entry = eddy_config_key()
        entry.struct_size = UInt32(MemoryLayout<eddy_config_key>.size)
        entry.name = permanent(key.name)
        entry.type = key.type.rawValue
        entry.default_value = key.defaultValue.map(permanent)
        entry.doc = key.doc.map(permanent)
        return permanentStruct(entry)
    }

    private static func function(from function: TypedFunction) -> UnsafePointer<eddy_function>? {
        var entry = eddy_function()
        entry.struct_size = UInt32(MemoryLayout<eddy_function>.size)
        entry.name = permanent(function.name)
        entry.signature = permanent(function.signature)
        entry.doc = function.doc.map(permanent)
        entry.function = unsafeBitCast(function.address, to: (@convention(c) () -> Void).self)
        return permanentStruct(entry)
    }

    private static func permanent(_ text: String) -> UnsafePointer<CChar> {
        UnsafePointer(strdup(text)!)
    }

    private static func permanentStruct<T>(_ value: T) -> UnsafePointer<T> {
        let pointer = UnsafeMutablePointer<T>.allocate(capacity: 1)
        pointer.initialize(to: value)
        return UnsafePointer(pointer)
    }

    private static func permanentStrings(_ strings: [String]) -> UnsafePointer<UnsafePointer<CChar>?>? {
        permanentArray(strings.map { Optional(permanent($0)) })
    }

    private static func permanentArray<T>(_ elements: [UnsafePointer<T>?]) -> UnsafePointer<UnsafePointer<T>?>? {
        guard !elements.isEmpty else { return nil }
        let array = UnsafeMutablePointer<UnsafePointer<T>?>.allocate(capacity: elements.count)
        array.initialize(from: elements, count: elements.count)
        return UnsafePointer(array)
    }
}

/// Creates processor instances for one processor type (kept in `plugin_data`).
final class ProcessorFactory {
    let make: (UnsafePointer<eddy_host_api>, OpaquePointer) throws -> AnyProcessorBox

    init(make: @escaping (UnsafePointer<eddy_host_api>, OpaquePointer) throws -> AnyProcessorBox) {
        self.make = make
    }
}

/// A processor instance as the C side sees it: an object whose `process`, `punctuate` and
/// `close` the thunks reach with one class dispatch. `ProcessorBox<P>` is the only subclass.
class AnyProcessorBox {
    func process(_ record: UnsafePointer<eddy_record>) -> eddy_status { preconditionFailure("ProcessorBox overrides") }
    func processBatch(_ records: UnsafePointer<eddy_record>, _ count: Int, _ processed: UnsafeMutablePointer<Int>)
        -> eddy_status
    { preconditionFailure("ProcessorBox overrides") }
    func punctuate(_ scheduleId: UInt64, _ timestamp: Int64) -> eddy_status {
        preconditionFailure("ProcessorBox overrides")
    }
    func close() { preconditionFailure("ProcessorBox overrides") }
}

/// Holds the processor value out of line: mutating it through a pointer avoids the dynamic
/// exclusivity check a class's stored `var` costs on every call (the host never calls one
/// instance concurrently, so the check could never fire).
final class ProcessorBox<P: Processor>: AnyProcessorBox {
    let processor: UnsafeMutablePointer<P>
    let context: ProcessorContext

    init(processor: P, context: ProcessorContext) {
        self.processor = .allocate(capacity: 1)
        self.processor.initialize(to: processor)
        self.context = context
    }

    deinit {
        processor.deinitialize(count: 1)
        processor.deallocate()
    }

    override func process(_ record: UnsafePointer<eddy_record>) -> eddy_status {
        do {
            try processor.pointee.process(Record(unsafeRecord: record))
            return eddy_status(EDDY_OK)
        } catch {
            return context.report(error)
        }
    }

    override func processBatch(
        _ records: UnsafePointer<eddy_record>, _ count: Int, _ processed: UnsafeMutablePointer<Int>
    ) -> eddy_status {
        let stride = Int(records.pointee.struct_size)
        let base = UnsafeRawPointer(records)
        var index = 0
        do {
            while index < count {
                let record = (base + index * stride).assumingMemoryBound(to: eddy_record.self)
                try processor.pointee.process(Record(unsafeRecord: record))
                index += 1
            }
            processed.pointee = count
            return eddy_status(EDDY_OK)
        } catch {
            processed.pointee = index
            return context.report(error)
        }
    }

    override func punctuate(_ scheduleId: UInt64, _ timestamp: Int64) -> eddy_status {
        do {
            try processor.pointee.punctuate(Schedule(id: scheduleId), timestamp: timestamp)
            return eddy_status(EDDY_OK)
        } catch {
            return context.report(error)
        }
    }

    override func close() {
        processor.pointee.close()
    }
}

extension ProcessorContext {
    /// Hands `error`'s message to the host and returns the status that says what it means.
    func report(_ error: any Error) -> eddy_status {
        reportMessage(String(describing: error))
        if case ProcessorError.reject = error { return eddy_status(EDDY_REJECT) }
        return eddy_status(EDDY_ERROR)
    }

    static func report(_ message: String, host: UnsafePointer<eddy_host_api>, ctx: OpaquePointer) {
        var text = message
        text.withUTF8 { host.pointee.set_error!(ctx, eddy_str(borrowing: UnsafeRawBufferPointer($0))) }
    }

    func reportMessage(_ message: String) {
        Self.report(message, host: host, ctx: ctx)
    }
}

/// The C entries of every processor descriptor. Static members (not top-level closures), so
/// they carry no actor isolation and run on whatever stream thread calls them; instances
/// are reached with unmanaged, guaranteed references (no retain/release per call).
enum ProcessorThunks {
    static let initialize:
        @convention(c) (
            UnsafePointer<eddy_processor>?, UnsafePointer<eddy_host_api>?, OpaquePointer?,
            UnsafeMutablePointer<UnsafeMutableRawPointer?>?
        ) -> eddy_status = { processor, host, ctx, instanceOut in
            guard let processor, let host, let ctx, let instanceOut, let data = processor.pointee.plugin_data else {
                return eddy_status(EDDY_INVALID_ARGUMENT)
            }
            return Unmanaged<ProcessorFactory>.fromOpaque(data)._withUnsafeGuaranteedRef { factory in
                do {
                    let box = try factory.make(host, ctx)
                    instanceOut.pointee = Unmanaged.passRetained(box).toOpaque()
                    return eddy_status(EDDY_OK)
                } catch {
                    ProcessorContext.report("init failed: \(error)", host: host, ctx: ctx)
                    return eddy_status(EDDY_ERROR)
                }
            }
        }

    static let process: @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<eddy_record>?) -> eddy_status = {
        instance, record in
        Unmanaged<AnyProcessorBox>.fromOpaque(instance.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
            $0.process(record.unsafelyUnwrapped)
        }
    }

    static let processBatch:
        @convention(c) (UnsafeMutableRawPointer?, UnsafePointer<eddy_record>?, Int, UnsafeMutablePointer<Int>?)
            -> eddy_status = { instance, records, count, processedOut in
                Unmanaged<AnyProcessorBox>.fromOpaque(instance.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
                    $0.processBatch(records.unsafelyUnwrapped, count, processedOut.unsafelyUnwrapped)
                }
            }

    static let punctuate: @convention(c) (UnsafeMutableRawPointer?, UInt64, Int64) -> eddy_status = {
        instance, scheduleId, timestamp in
        Unmanaged<AnyProcessorBox>.fromOpaque(instance.unsafelyUnwrapped)._withUnsafeGuaranteedRef {
            $0.punctuate(scheduleId, timestamp)
        }
    }

    static let close: @convention(c) (UnsafeMutableRawPointer?) -> Void = { instance in
        guard let instance else { return }
        let box = Unmanaged<AnyProcessorBox>.fromOpaque(instance)
        box._withUnsafeGuaranteedRef { $0.close() }
        box.release()
    }
}
