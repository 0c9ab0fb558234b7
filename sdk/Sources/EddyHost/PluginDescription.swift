import EddySDK

/// A plugin descriptor (`eddy_plugin`) read into Swift values, honouring every struct's
/// `struct_size`. Holds raw pointers into the plugin image, which is never unloaded.
public struct PluginDescription: @unchecked Sendable {
    public let name: String
    public let version: String
    public let doc: String?
    public let abiMajor: UInt32
    public let abiMinor: UInt32
    public let toolchain: String
    public let processors: [ProcessorDescription]
    public let functions: [FunctionDescription]
    /// The nodes of the Streams DSL topology the plugin exports (ABI 1.2), each after its
    /// parents; nil when it exports none.
    public let topology: [NodeDescription]?
    /// The stream functions the plugin exports for application files (ABI 1.2).
    public let streamFunctions: [NodeDescription]
    /// The descriptor itself.
    public let descriptor: UnsafePointer<eddy_plugin>
    /// Whether the processors run in a child process (`isolation: process`): the descriptor
    /// is then the host's proxy of the plugin's, and a processor node hands each instance
    /// whole runs of records (`process_batch`), so that one run crosses to the child at once.
    public var runsIsolated = false

    /// Reads `descriptor`. Call only after checking `struct_size` and `abi_major`.
    ///
    /// - Throws: `DescriptorError` when a store kind or config type is not one `eddy.h` defines.
    public init(_ descriptor: UnsafePointer<eddy_plugin>) throws {
        let plugin = descriptor.pointee
        self.descriptor = descriptor
        self.name = text(plugin.name) ?? ""
        self.version = text(plugin.version) ?? ""
        self.doc = text(plugin.doc)
        self.abiMajor = plugin.abi_major
        self.abiMinor = plugin.abi_minor
        self.toolchain = text(plugin.toolchain) ?? ""
        self.processors = try pointers(plugin.processors, plugin.processor_count).map(ProcessorDescription.init)
        self.functions = pointers(plugin.functions, plugin.function_count).map(FunctionDescription.init)
        let hasTopologyField =
            Int(plugin.struct_size) >= MemoryLayout<eddy_plugin>.offset(of: \.topology)!
            + MemoryLayout<UnsafeRawPointer>.size
        if hasTopologyField, let topology = plugin.topology {
            guard Int(topology.pointee.struct_size) >= MemoryLayout<eddy_topology>.size else {
                throw DescriptorError(
                    "its topology has struct_size \(topology.pointee.struct_size), smaller than ABI 1.2's \(MemoryLayout<eddy_topology>.size)"
                )
            }
            self.topology = try pointers(topology.pointee.nodes, topology.pointee.node_count).map(NodeDescription.init)
        } else {
            self.topology = nil
        }
        let hasStreamFunctionFields =
            Int(plugin.struct_size) >= MemoryLayout<eddy_plugin>.offset(of: \.stream_function_count)!
            + MemoryLayout<Int>.size
        self.streamFunctions =
            hasStreamFunctionFields
            ? try pointers(plugin.stream_functions, plugin.stream_function_count).map(NodeDescription.init) : []
    }

    /// The stream function named `name`.
    public func streamFunction(named name: String) -> NodeDescription? {
        streamFunctions.first { $0.name == name }
    }

    /// The node of the exported topology named `name`.
    public func topologyNode(named name: String) -> NodeDescription? {
        topology?.first { $0.name == name }
    }

    /// The processor named `name`.
    public func processor(named name: String) -> ProcessorDescription? {
        processors.first { $0.name == name }
    }
}

/// A processor entry of a descriptor.
public struct ProcessorDescription: @unchecked Sendable {
    public let name: String
    public let doc: String?
    public let stores: [StoreDeclaration]
    public let config: [ConfigKey]
    /// The processor entry itself.
    public let entry: UnsafePointer<eddy_processor>

    init(_ entry: UnsafePointer<eddy_processor>) throws {
        let processor = entry.pointee
        let name = text(processor.name) ?? ""
        self.entry = entry
        self.name = name
        self.doc = text(processor.doc)
        self.stores = try pointers(processor.stores, processor.store_count).map {
            try StoreDeclaration(reading: $0, owner: "processor \(name)")
        }
        self.config = try pointers(processor.config, processor.config_count).map { pointer in
            let key = pointer.pointee
            let keyName = text(key.name) ?? ""
            guard let type = ConfigKey.ValueType(rawValue: key.type) else {
                throw DescriptorError(
                    "processor \(name): config key \(keyName) has type \(key.type), which is not one of EDDY_CONFIG_STRING/INT/DOUBLE/BOOL (1-4)"
                )
            }
            return ConfigKey(keyName, type, default: text(key.default_value), doc: text(key.doc))
        }
    }
}

/// A node of a plugin's exported topology (`eddy_node`).
public struct NodeDescription: @unchecked Sendable {
    public let name: String
    public let kind: TopologyNode.Kind
    public let flags: TopologyNode.Flags
    public let parents: [String]
    public let topics: [String]
    public let keySerde: String?
    public let valueSerde: String?
    public let store: StoreDeclaration?
    public let processor: String?
    public let branches: [String]
    public let partitions: Int32
    /// Count, reduce, aggregate: the windows (nil: per key); suppress: those of its table (ABI 1.3).
    public let window: eddy_window?
    /// Suppress: when updates go on (ABI 1.3).
    public let suppress: eddy_suppress?
    /// Source: the node whose `apply` gives records their event time (ABI 1.3).
    public let timestampExtractor: UnsafePointer<eddy_node>?
    /// Joins: inner, left or outer (ABI 1.4).
    public let joinType: TopologyNode.JoinType?
    /// Stream–stream joins: the windows (ABI 1.4).
    public let joinWindows: JoinWindows?
    /// Joins: the stores the join keeps or reads (ABI 1.4).
    public let joinStores: [StoreDeclaration]
    /// Global-table joins: the node whose `apply` picks the global table's key; foreign-key
    /// joins: the foreign-key extractor (ABI 1.4).
    public let keySelector: UnsafePointer<eddy_node>?
    /// The node entry itself (its `apply`, `merge` and `plugin_data`).
    public let entry: UnsafePointer<eddy_node>

    /// Whether the node has an `apply` entry.
    public var hasFunction: Bool { entry.pointee.apply != nil }

    /// Whether the node has a `merge` entry (session aggregations, ABI 1.3).
    public var hasMerge: Bool { Self.hasABI13Fields(entry) && entry.pointee.merge != nil }

    /// The size of an `eddy_node` of ABI 1.2, the smallest a topology node may have.
    public static let abi12Size = MemoryLayout<eddy_node>.offset(of: \.apply)! + MemoryLayout<UnsafeRawPointer>.size

    /// Whether `entry` was written against ABI 1.3 or later (it has windows, suppression and extractors).
    public static func hasABI13Fields(_ entry: UnsafePointer<eddy_node>) -> Bool {
        Int(entry.pointee.struct_size) >= MemoryLayout<eddy_node>.offset(of: \.timestamp_extractor)!
            + MemoryLayout<UnsafeRawPointer>.size
    }

    /// Whether `entry` was written against ABI 1.4 or later (it has tables and joins).
    public static func hasABI14Fields(_ entry: UnsafePointer<eddy_node>) -> Bool {
        Int(entry.pointee.struct_size) >= MemoryLayout<eddy_node>.offset(of: \.key_selector)!
            + MemoryLayout<UnsafeRawPointer>.size
    }

    init(_ entry: UnsafePointer<eddy_node>) throws {
        let node = entry.pointee
        let name = text(node.name) ?? ""
        guard Int(node.struct_size) >= Self.abi12Size else {
            throw DescriptorError(
                "topology node \(name) has struct_size \(node.struct_size), smaller than ABI 1.2's \(Self.abi12Size)")
        }
        guard let kind = TopologyNode.Kind(rawValue: node.kind) else {
            throw DescriptorError(
                "topology node \(name) has kind \(node.kind), which is not one of eddy.h's EDDY_NODE_* (1-\(TopologyNode.Kind.allCases.count))"
            )
        }
        self.entry = entry
        self.name = name
        self.kind = kind
        self.flags = TopologyNode.Flags(rawValue: node.flags)
        self.parents = strings(node.parents, node.parent_count)
        self.topics = strings(node.topics, node.topic_count)
        self.keySerde = text(node.key_serde)
        self.valueSerde = text(node.value_serde)
        self.store = try node.store.map { try StoreDeclaration(reading: $0, owner: "topology node \(name)") }
        self.processor = text(node.processor)
        self.branches = strings(node.branches, node.branch_count)
        self.partitions = node.partitions
        let modern = Self.hasABI13Fields(entry)
        self.window = modern && node.window.type != EDDY_WINDOW_NONE ? node.window : nil
        self.suppress = modern && kind == .suppress ? node.suppress : nil
        self.timestampExtractor = modern ? node.timestamp_extractor : nil
        let joins = Self.hasABI14Fields(entry)
        if [
            .tableSource, .globalTable, .streamStreamJoin, .streamTableJoin, .streamGlobalJoin, .tableTableJoin,
            .foreignKeyJoin,
        ].contains(kind), !joins {
            throw DescriptorError(
                "topology node \(name) is a \(kind) (ABI 1.4) but its struct_size \(node.struct_size) is that of an older eddy_node — rebuild the plugin against this SDK"
            )
        }
        self.joinType = joins ? TopologyNode.JoinType(rawValue: node.join_type) : nil
        self.joinWindows =
            joins && kind == .streamStreamJoin
            ? JoinWindows(
                before: node.join_windows.before_ms, after: node.join_windows.after_ms,
                grace: node.join_windows.grace_ms) : nil
        self.joinStores =
            joins
            ? try pointers(node.join_stores, node.join_store_count).map {
                try StoreDeclaration(reading: $0, owner: "topology node \(name)")
            } : []
        self.keySelector = joins ? node.key_selector : nil
    }
}

/// A typed-function entry of a descriptor.
public struct FunctionDescription: @unchecked Sendable {
    public let name: String
    public let signature: String
    public let doc: String?
    /// The function's address, or nil when the plugin left it NULL.
    public let address: UnsafeRawPointer?

    init(_ entry: UnsafePointer<eddy_function>) {
        let function = entry.pointee
        self.name = text(function.name) ?? ""
        self.signature = text(function.signature) ?? ""
        self.doc = text(function.doc)
        self.address = function.function.map { unsafeBitCast($0, to: UnsafeRawPointer.self) }
    }
}

/// A descriptor holds a value `eddy.h` does not define.
public struct DescriptorError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

extension StoreDeclaration {
    /// Reads an `eddy_store_decl`; `owner` names who declared it, for messages.
    init(reading pointer: UnsafePointer<eddy_store_decl>, owner: String) throws {
        let store = pointer.pointee
        let storeName = text(store.name) ?? ""
        guard let kind = StoreDeclaration.Kind(rawValue: store.kind) else {
            throw DescriptorError(
                "\(owner): store \(storeName) has kind \(store.kind), which is not EDDY_STORE_KEY_VALUE (1), EDDY_STORE_WINDOW (2) or EDDY_STORE_SESSION (3)"
            )
        }
        self.init(
            name: storeName, kind: kind,
            keySerde: text(store.key_serde) ?? "bytes", valueSerde: text(store.value_serde) ?? "bytes",
            changelog: store.changelog, retentionMs: store.retention_ms,
            windowSizeMs: store.window_size_ms)
    }
}

private func strings(_ array: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int) -> [String] {
    pointers(array, count).map { String(cString: $0) }
}

private func text(_ pointer: UnsafePointer<CChar>?) -> String? {
    pointer.map { String(cString: $0) }
}

private func pointers<T>(_ array: UnsafePointer<UnsafePointer<T>?>?, _ count: Int) -> [UnsafePointer<T>] {
    guard let array, count > 0 else { return [] }
    return (0..<count).compactMap { array[$0] }
}
