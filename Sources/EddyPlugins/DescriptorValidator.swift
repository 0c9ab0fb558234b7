import EddyHost
import EddySDK

/// Checks a plugin's descriptor before the host uses it: sizes, ABI major, toolchain
/// fingerprint, required entries, unique names and parseable signatures.
struct DescriptorValidator {
    let fileName: String
    let path: String
    let hostFingerprint: String

    func validate(_ descriptor: UnsafePointer<eddy_plugin>) throws -> PluginDescription {
        let plugin = descriptor.pointee
        try requireSize(plugin.struct_size, MemoryLayout<eddy_plugin>.size, "descriptor (eddy_plugin)")
        guard plugin.abi_major == ABIVersion.major else {
            throw refuse(
                "declares ABI major \(plugin.abi_major) in its descriptor but exports \(ABIVersion.entrySymbol) — rebuild it against this host's sdk (ABI \(ABIVersion.description))"
            )
        }
        try checkToolchain(plugin.toolchain.map { String(cString: $0) })
        guard let name = plugin.name.map({ String(cString: $0) }), !name.isEmpty else {
            throw refuse("has no name in its descriptor — set eddy_plugin.name")
        }
        guard let version = plugin.version.map({ String(cString: $0) }), !version.isEmpty else {
            throw refuse("has no version in its descriptor — set eddy_plugin.version")
        }
        try checkProcessors(plugin)
        try checkFunctions(plugin)
        try checkTopology(descriptor)
        do {
            return try PluginDescription(descriptor)
        } catch let error as DescriptorError {
            throw refuse("has an invalid descriptor: \(error)")
        }
    }

    private func checkToolchain(_ fingerprint: String?) throws {
        guard let fingerprint, !fingerprint.isEmpty else {
            throw refuse(
                "declares no toolchain fingerprint — Swift plugins get it from EddySDK; C plugins set EDDY_TOOLCHAIN_NONE"
            )
        }
        if fingerprint == EDDY_TOOLCHAIN_NONE || fingerprint == hostFingerprint { return }
        guard let pluginSwift = Toolchain.swiftVersion(ofFingerprint: fingerprint) else {
            throw refuse(
                "declares toolchain fingerprint \"\(fingerprint)\", which is neither a Swift fingerprint nor \"\(EDDY_TOOLCHAIN_NONE)\" — rebuild it with the Eddy SDK"
            )
        }
        let hostSwift = Toolchain.swiftVersion(ofFingerprint: hostFingerprint) ?? hostFingerprint
        throw PluginLoadError(
            path: path,
            "plugin \(fileName) was built with Swift toolchain \(pluginSwift) (fingerprint \(fingerprint)); this host runs \(hostSwift) (fingerprint \(hostFingerprint)) — rebuild the plugin with the host's toolchain"
        )
    }

    private func checkProcessors(_ plugin: eddy_plugin) throws {
        var seen: Set<String> = []
        for index in 0..<plugin.processor_count {
            guard let entry = plugin.processors?[index] else {
                throw refuse("has a NULL processor at index \(index) of \(plugin.processor_count)")
            }
            let processor = entry.pointee
            try requireSize(processor.struct_size, ABI10.processorSize, "processor \(index)")
            guard let name = processor.name.map({ String(cString: $0) }), !name.isEmpty else {
                throw refuse("has a processor without a name (index \(index))")
            }
            guard seen.insert(name).inserted else {
                throw refuse("declares processor \"\(name)\" twice — processor names must be unique within a plugin")
            }
            guard processor.`init` != nil, processor.process != nil, processor.close != nil else {
                throw refuse("processor \(name) lacks an init, process or close entry — all three are required")
            }
            var stores: Set<String> = []
            for storeIndex in 0..<processor.store_count {
                guard let store = processor.stores?[storeIndex] else {
                    throw refuse("processor \(name) has a NULL store declaration at index \(storeIndex)")
                }
                try requireSize(
                    store.pointee.struct_size, MemoryLayout<eddy_store_decl>.size, "store \(storeIndex) of \(name)")
                let storeName = store.pointee.name.map { String(cString: $0) } ?? ""
                guard !storeName.isEmpty else { throw refuse("processor \(name) has a store without a name") }
                guard stores.insert(storeName).inserted else {
                    throw refuse("processor \(name) declares store \"\(storeName)\" twice — store names must be unique")
                }
            }
            var keys: Set<String> = []
            for keyIndex in 0..<processor.config_count {
                guard let key = processor.config?[keyIndex] else {
                    throw refuse("processor \(name) has a NULL config key at index \(keyIndex)")
                }
                try requireSize(
                    key.pointee.struct_size, MemoryLayout<eddy_config_key>.size, "config key \(keyIndex) of \(name)")
                let keyName = key.pointee.name.map { String(cString: $0) } ?? ""
                guard !keyName.isEmpty else { throw refuse("processor \(name) has a config key without a name") }
                guard keys.insert(keyName).inserted else {
                    throw refuse(
                        "processor \(name) declares config key \"\(keyName)\" twice — config keys must be unique")
                }
            }
        }
    }

    private func checkFunctions(_ plugin: eddy_plugin) throws {
        var seen: Set<String> = []
        for index in 0..<plugin.function_count {
            guard let entry = plugin.functions?[index] else {
                throw refuse("has a NULL typed function at index \(index) of \(plugin.function_count)")
            }
            let function = entry.pointee
            try requireSize(function.struct_size, MemoryLayout<eddy_function>.size, "typed function \(index)")
            guard let name = function.name.map({ String(cString: $0) }), !name.isEmpty else {
                throw refuse("has a typed function without a name (index \(index))")
            }
            guard seen.insert(name).inserted else {
                throw refuse(
                    "declares typed function \"\(name)\" twice — function names must be unique within a plugin")
            }
            guard function.function != nil else { throw refuse("typed function \(name) has a NULL function pointer") }
            let signature = function.signature.map { String(cString: $0) } ?? ""
            do {
                _ = try FunctionSignature(parsing: signature)
            } catch let error as SignatureError {
                throw refuse("typed function \(name): \(error)")
            }
        }
    }

    /// The exported topology and stream functions (ABI 1.2): no NULL entries, nodes of this
    /// header's size with names, stream functions unique, of a function kind, with `apply`.
    private func checkTopology(_ descriptor: UnsafePointer<eddy_plugin>) throws {
        let size = Int(descriptor.pointee.struct_size)
        guard size >= MemoryLayout<eddy_plugin>.offset(of: \.stream_function_count)! + MemoryLayout<Int>.size else {
            return
        }
        let plugin = descriptor.pointee
        if let topology = plugin.topology {
            try requireSize(
                topology.pointee.struct_size, MemoryLayout<eddy_topology>.size, "topology (eddy_topology)", since: "1.2"
            )
            guard topology.pointee.node_count > 0, let nodes = topology.pointee.nodes else {
                throw refuse("exports a topology without nodes — leave eddy_plugin.topology NULL when there is none")
            }
            for index in 0..<topology.pointee.node_count {
                guard let node = nodes[index] else {
                    throw refuse("has a NULL topology node at index \(index) of \(topology.pointee.node_count)")
                }
                try checkNode(node, what: "topology node \(index)")
            }
        }
        var names: Set<String> = []
        for index in 0..<plugin.stream_function_count {
            guard let node = plugin.stream_functions?[index] else {
                throw refuse("has a NULL stream function at index \(index) of \(plugin.stream_function_count)")
            }
            let name = try checkNode(node, what: "stream function \(index)")
            guard names.insert(name).inserted else {
                throw refuse(
                    "declares stream function \"\(name)\" twice — stream function names must be unique within a plugin")
            }
            guard node.pointee.apply != nil, node.pointee.parent_count == 0 else {
                throw refuse("stream function \(name) needs an apply entry and no parents")
            }
        }
    }

    @discardableResult
    private func checkNode(_ node: UnsafePointer<eddy_node>, what: String) throws -> String {
        try requireSize(node.pointee.struct_size, NodeDescription.abi12Size, "\(what) (eddy_node)", since: "1.2")
        guard let name = node.pointee.name.map({ String(cString: $0) }), !name.isEmpty else {
            throw refuse("has a \(what) without a name")
        }
        let arrays = [
            ("parents", node.pointee.parents, node.pointee.parent_count),
            ("topics", node.pointee.topics, node.pointee.topic_count),
            ("branches", node.pointee.branches, node.pointee.branch_count),
        ]
        for (field, array, count) in arrays where count > 0 {
            guard let array, (0..<count).allSatisfy({ array[$0] != nil }) else {
                throw refuse("\(what) (\(name)) has a NULL entry in \(field)")
            }
        }
        return name
    }

    private func requireSize(_ size: UInt32, _ minimum: Int, _ what: String, since version: String) throws {
        guard Int(size) >= minimum else {
            throw refuse(
                "has a \(what) of struct_size \(size) bytes, smaller than ABI \(version)'s \(minimum) — it was not built against eddy.h"
            )
        }
    }

    private func requireSize(_ size: UInt32, _ minimum: Int, _ what: String) throws {
        guard Int(size) >= minimum else {
            throw refuse(
                "has a \(what) of struct_size \(size) bytes, smaller than ABI \(ABIVersion.major).0's \(minimum) — it was not built against eddy.h"
            )
        }
    }

    private func refuse(_ message: String) -> PluginLoadError {
        PluginLoadError(path: path, "plugin \(fileName) \(message)")
    }
}

/// The struct sizes of ABI 1.0, the smallest a plugin of this major may have: later minors
/// only append fields, which the host reads only when `struct_size` covers them.
enum ABI10 {
    /// `eddy_processor` ended with `close` in 1.0 (`process_batch` came in 1.1).
    static let processorSize = MemoryLayout<eddy_processor>.offset(of: \.close)! + MemoryLayout<UnsafeRawPointer>.size
}
