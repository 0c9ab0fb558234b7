import EddyEngine
import EddyHost
import EddySDK

/// What a reload may not change of a plugin's exported topology: its shape (the nodes, what
/// each does, how they connect, the topics, serdes and stores). Only the code behind the
/// nodes may change.
enum TopologyShape {
    /// The first difference between two builds' topologies, in words; nil when they have the same shape.
    static func change(from old: [NodeDescription], to new: [NodeDescription]) -> String? {
        let oldStores = Set(old.compactMap(\.store?.name))
        if let node = new.first(where: { $0.store.map { !oldStores.contains($0.name) } ?? false }),
            let store = node.store
        {
            return "it declares a new store \(PluginSet.describe(store)) at node '\(node.name)'"
        }
        let newStores = Set(new.compactMap(\.store?.name))
        if let node = old.first(where: { $0.store.map { !newStores.contains($0.name) } ?? false }),
            let store = node.store
        {
            return "it no longer declares store \(PluginSet.describe(store)) (node '\(node.name)')"
        }
        let newByName = Dictionary(new.map { ($0.name, $0) }) { first, _ in first }
        for node in old {
            guard let other = newByName[node.name] else { return "node '\(node.name)' (\(node.kind)) is gone" }
            if let difference = difference(node, other) { return "node '\(node.name)' \(difference)" }
        }
        let oldNames = Set(old.map(\.name))
        if let added = new.first(where: { !oldNames.contains($0.name) }) {
            return "node '\(added.name)' (\(added.kind)) is new"
        }
        return nil
    }

    private static func difference(_ a: NodeDescription, _ b: NodeDescription) -> String? {
        if a.kind != b.kind { return "changed from \(a.kind) to \(b.kind)" }
        if a.flags != b.flags { return "changed its flags from \(a.flags.rawValue) to \(b.flags.rawValue)" }
        if a.parents != b.parents { return "reads \(b.parents) instead of \(a.parents)" }
        if a.topics != b.topics { return "uses topics \(b.topics) instead of \(a.topics)" }
        if a.keySerde != b.keySerde || a.valueSerde != b.valueSerde {
            return
                "changed its serdes from \(a.keySerde ?? "-") -> \(a.valueSerde ?? "-") to \(b.keySerde ?? "-") -> \(b.valueSerde ?? "-")"
        }
        if a.store != b.store {
            switch (a.store, b.store) {
            case (nil, let store?): return "declares a new store \(PluginSet.describe(store))"
            case (let store?, nil): return "no longer declares store \(PluginSet.describe(store))"
            case (let before?, let after?):
                return "declares store \(PluginSet.describe(after)) instead of \(PluginSet.describe(before))"
            default: break
            }
        }
        if a.processor != b.processor { return "runs processor \(b.processor ?? "-") instead of \(a.processor ?? "-")" }
        if a.branches != b.branches { return "has branches \(b.branches) instead of \(a.branches)" }
        if a.partitions != b.partitions {
            return "repartitions to \(b.partitions) partitions instead of \(a.partitions)"
        }
        if a.hasFunction != b.hasFunction { return a.hasFunction ? "lost its function" : "gained a function" }
        if let window = windowDifference(a.window, b.window) { return window }
        if let suppress = suppressDifference(a.suppress, b.suppress) { return suppress }
        if (a.timestampExtractor == nil) != (b.timestampExtractor == nil) {
            return a.timestampExtractor == nil ? "gained a timestamp extractor" : "lost its timestamp extractor"
        }
        return nil
    }

    /// Windows decide what a store holds and when results come: another window is another shape.
    /// (A build older than ABI 1.3 has neither: it reads as all zeros.)
    private static func windowDifference(_ a: eddy_window?, _ b: eddy_window?) -> String? {
        let a = a ?? eddy_window(), b = b ?? eddy_window()
        func text(_ w: eddy_window) -> String {
            guard w.type != EDDY_WINDOW_NONE else { return "no windows" }
            return
                "windows of type \(w.type) (size \(w.size_ms) ms, advance \(w.advance_ms) ms, grace \(w.grace_ms) ms)"
        }
        let same =
            a.type == b.type && a.size_ms == b.size_ms && a.advance_ms == b.advance_ms && a.grace_ms == b.grace_ms
        return same ? nil : "aggregates in \(text(b)) instead of \(text(a))"
    }

    private static func suppressDifference(_ a: eddy_suppress?, _ b: eddy_suppress?) -> String? {
        let a = a ?? eddy_suppress(), b = b ?? eddy_suppress()
        let same =
            a.until == b.until && a.time_limit_ms == b.time_limit_ms && a.max_records == b.max_records
            && a.max_bytes == b.max_bytes
            && a.when_full == b.when_full
        return same
            ? nil
            : "suppresses differently (until \(b.until), limit \(b.time_limit_ms) ms, bounds \(b.max_records) records / \(b.max_bytes) bytes, instead of until \(a.until), limit \(a.time_limit_ms) ms, bounds \(a.max_records) / \(a.max_bytes))"
    }
}
