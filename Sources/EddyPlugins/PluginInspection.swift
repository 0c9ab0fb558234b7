import EddyHost
import EddySDK

extension LoadedPlugin {
    /// A human-readable report of the plugin: identity, file, ABI, toolchain, processors
    /// with their stores and config, and typed functions. What `eddy plugin inspect` prints.
    public func inspectionReport(hostFingerprint: String = Toolchain.fingerprint) -> String {
        var lines: [String] = []
        lines.append("plugin     \(name) \(version)")
        if let doc = description.doc { lines.append("doc        \(doc)") }
        lines.append("file       \(sourcePath) (\(byteCount) bytes)")
        lines.append("sha256     \(sha256)")
        lines.append("abi        \(description.abiMajor).\(description.abiMinor) (host \(ABIVersion.description))")
        let toolchain = description.toolchain
        if toolchain == EDDY_TOOLCHAIN_NONE {
            lines.append("toolchain  none (no Swift runtime dependency)")
        } else {
            lines.append("toolchain  \(toolchain)\(toolchain == hostFingerprint ? " (same as this host)" : "")")
        }
        lines.append("processors \(description.processors.count)")
        for processor in description.processors {
            lines.append("  \(processor.name)\(processor.doc.map { " — \($0)" } ?? "")")
            for store in processor.stores {
                var detail = "\(kindName(store.kind)), key \(store.keySerde), value \(store.valueSerde)"
                detail += ", changelog \(store.changelog ? "on" : "off")"
                if store.kind == .window {
                    detail += ", window \(store.windowSizeMs) ms, retention \(store.retentionMs) ms"
                }
                if store.kind == .session {
                    detail += ", retention \(store.retentionMs) ms"
                }
                lines.append("    store  \(store.name): \(detail)")
            }
            for key in processor.config {
                let requirement = key.defaultValue.map { "default \"\($0)\"" } ?? "required"
                lines.append(
                    "    config \(key.name) (\(typeName(key.type)), \(requirement))\(key.doc.map { " — \($0)" } ?? "")")
            }
        }
        lines.append("functions  \(description.functions.count)")
        for function in description.functions {
            lines.append("  \(function.name) \(function.signature)\(function.doc.map { " — \($0)" } ?? "")")
        }
        if !description.streamFunctions.isEmpty {
            lines.append("stream functions \(description.streamFunctions.count)")
            for function in description.streamFunctions { lines.append("  \(function.name) (\(function.kind))") }
        }
        if let topology = description.topology {
            lines.append(
                "topology   \(topology.count) nodes (eddy topology describe shows it split into sub-topologies)")
            for node in topology {
                var detail = "\(node.kind)"
                if !node.topics.isEmpty { detail += " \(node.topics.joined(separator: ", "))" }
                if let store = node.store { detail += ", store \(store.name)" }
                if let processor = node.processor { detail += " \(processor)" }
                let parents = node.parents.isEmpty ? "" : " <- \(node.parents.joined(separator: ", "))"
                lines.append("  \(node.name): \(detail)\(parents)")
            }
        }
        return lines.joined(separator: "\n")
    }

    private func kindName(_ kind: StoreDeclaration.Kind) -> String {
        switch kind {
        case .keyValue: return "key-value"
        case .window: return "window"
        case .session: return "session"
        }
    }

    private func typeName(_ type: ConfigKey.ValueType) -> String {
        switch type {
        case .string: return "string"
        case .int: return "int"
        case .double: return "double"
        case .bool: return "bool"
        }
    }
}
