import EddyHost
import EddySDK

/// What `eddy plugin-host --describe` tells the worker about a plugin it loaded and
/// validated: the descriptor's identity and processors (their stores and config keys), the
/// build (sha256 and content-addressed copy), its typed functions, and its exported topology
/// and stream functions.
struct IsolatedPluginManifest: Codable {
    struct Store: Codable {
        var name: String
        var kind: Int32
        var keySerde: String
        var valueSerde: String
        var changelog: Bool
        var retentionMs: Int64
        var windowSizeMs: Int64
    }

    struct ConfigKey: Codable {
        var name: String
        var type: Int32
        var defaultValue: String?
        var doc: String?
    }

    struct Function: Codable {
        var name: String
        var signature: String
    }

    struct Processor: Codable {
        var name: String
        var doc: String?
        var hasPunctuate: Bool
        var stores: [Store]
        var config: [ConfigKey]
    }

    var name: String
    var version: String
    var doc: String?
    var toolchain: String
    var abiMajor: UInt32
    var abiMinor: UInt32
    var sha256: String
    var sourcePath: String
    var loadedPath: String
    var byteCount: Int
    var processors: [Processor]
    /// Typed functions, which run in the plugin's process too (``IsolatedFunction``).
    var functions: [Function]
    /// The exported topology's nodes (nil: none) and the stream functions, whose `apply` and
    /// `merge` run in the plugin's process too (``IsolatedNode``).
    var topology: [IsolatedNodeManifest]?
    var streamFunctions: [IsolatedNodeManifest]

    init(description: PluginDescription, sha256: String, sourcePath: String, loadedPath: String, byteCount: Int) {
        name = description.name
        version = description.version
        doc = description.doc
        toolchain = description.toolchain
        abiMajor = description.abiMajor
        abiMinor = description.abiMinor
        self.sha256 = sha256
        self.sourcePath = sourcePath
        self.loadedPath = loadedPath
        self.byteCount = byteCount
        processors = description.processors.map { processor in
            Processor(
                name: processor.name, doc: processor.doc, hasPunctuate: processor.entry.pointee.punctuate != nil,
                stores: processor.stores.map {
                    Store(
                        name: $0.name, kind: $0.kind.rawValue, keySerde: $0.keySerde, valueSerde: $0.valueSerde,
                        changelog: $0.changelog, retentionMs: $0.retentionMs, windowSizeMs: $0.windowSizeMs)
                },
                config: processor.config.map {
                    ConfigKey(name: $0.name, type: $0.type.rawValue, defaultValue: $0.defaultValue, doc: $0.doc)
                })
        }
        functions = description.functions.map { Function(name: $0.name, signature: $0.signature) }
        topology = description.topology?.map { IsolatedNodeManifest($0.entry, reference: "t:" + $0.name) }
        streamFunctions = description.streamFunctions.map { IsolatedNodeManifest($0.entry, reference: "s:" + $0.name) }
    }
}
