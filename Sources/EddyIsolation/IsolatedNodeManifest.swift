import EddyHost
import EddySDK

/// A node of an isolated plugin's exported topology, or one of its stream functions, as
/// `eddy plugin-host --describe` tells the worker: every field of its `eddy_node`, with
/// whether it has `apply` and `merge` (which run in the plugin's process) and the nodes it
/// points to (a source's timestamp extractor, a join's key selector) nested.
///
/// `reference` names the node in the plugin's process (``IsolatedNodeReference``).
struct IsolatedNodeManifest: Codable {
    var reference: String
    var name: String
    var kind: Int32
    var flags: UInt32
    var parents: [String]
    var topics: [String]
    var keySerde: String?
    var valueSerde: String?
    var store: IsolatedPluginManifest.Store?
    var processor: String?
    var branches: [String]
    var partitions: Int32
    var hasApply: Bool
    var hasMerge: Bool
    /// ABI 1.3: window type, size, advance and grace; suppression's until, time limit, bounds,
    /// and what it does when full.
    var window: [Int64]?
    var suppress: [Int64]?
    /// 0 or 1 node each.
    var timestampExtractor: [IsolatedNodeManifest]
    /// ABI 1.4.
    var joinType: Int32?
    var joinWindows: [Int64]?
    var joinStores: [IsolatedPluginManifest.Store]
    var keySelector: [IsolatedNodeManifest]

    init(_ entry: UnsafePointer<eddy_node>, reference: String) {
        let node = entry.pointee
        self.reference = reference
        name = text(node.name) ?? ""
        kind = node.kind
        flags = node.flags
        parents = strings(node.parents, node.parent_count)
        topics = strings(node.topics, node.topic_count)
        keySerde = text(node.key_serde)
        valueSerde = text(node.value_serde)
        store = node.store.map { IsolatedPluginManifest.Store($0) }
        processor = text(node.processor)
        branches = strings(node.branches, node.branch_count)
        partitions = node.partitions
        hasApply = node.apply != nil
        let modern = NodeDescription.hasABI13Fields(entry)
        hasMerge = modern && node.merge != nil
        window =
            modern
            ? [Int64(node.window.type), node.window.size_ms, node.window.advance_ms, node.window.grace_ms] : nil
        suppress =
            modern
            ? [
                Int64(node.suppress.until), node.suppress.time_limit_ms, node.suppress.max_records,
                node.suppress.max_bytes, Int64(node.suppress.when_full),
            ] : nil
        timestampExtractor =
            modern
            ? node.timestamp_extractor.map { [IsolatedNodeManifest($0, reference: reference + "/ts")] } ?? [] : []
        let joins = NodeDescription.hasABI14Fields(entry)
        joinType = joins ? node.join_type : nil
        joinWindows =
            joins ? [node.join_windows.before_ms, node.join_windows.after_ms, node.join_windows.grace_ms] : nil
        joinStores =
            joins
            ? (0..<node.join_store_count).compactMap { node.join_stores?[$0] }.map { IsolatedPluginManifest.Store($0) }
            : []
        keySelector =
            joins ? node.key_selector.map { [IsolatedNodeManifest($0, reference: reference + "/key")] } ?? [] : []
    }
}

/// How the worker and the plugin's process name a node: `t:<name>` for a node of the exported
/// topology, `s:<name>` for a stream function, and `/ts` or `/key` after a node's reference
/// for its timestamp extractor or key selector.
enum IsolatedNodeReference {
    /// The node `reference` names in `plugin`, or nil.
    static func resolve(_ reference: String, in plugin: PluginDescription) -> UnsafePointer<eddy_node>? {
        if reference.hasSuffix("/ts") {
            return resolve(String(reference.dropLast(3)), in: plugin).flatMap {
                NodeDescription.hasABI13Fields($0) ? $0.pointee.timestamp_extractor : nil
            }
        }
        if reference.hasSuffix("/key") {
            return resolve(String(reference.dropLast(4)), in: plugin).flatMap {
                NodeDescription.hasABI14Fields($0) ? $0.pointee.key_selector : nil
            }
        }
        let name = String(reference.dropFirst(2))
        if reference.hasPrefix("t:") { return plugin.topologyNode(named: name)?.entry }
        if reference.hasPrefix("s:") { return plugin.streamFunction(named: name)?.entry }
        return nil
    }
}

extension IsolatedPluginManifest.Store {
    init(_ declaration: UnsafePointer<eddy_store_decl>) {
        let store = declaration.pointee
        self.init(
            name: text(store.name) ?? "", kind: store.kind, keySerde: text(store.key_serde) ?? "bytes",
            valueSerde: text(store.value_serde) ?? "bytes", changelog: store.changelog,
            retentionMs: store.retention_ms, windowSizeMs: store.window_size_ms)
    }
}

private func text(_ pointer: UnsafePointer<CChar>?) -> String? { pointer.map { String(cString: $0) } }

private func strings(_ array: UnsafePointer<UnsafePointer<CChar>?>?, _ count: Int) -> [String] {
    (0..<count).map { array?[$0].map { String(cString: $0) } ?? "" }
}
