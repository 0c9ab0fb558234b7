import EddyEngine
import EddyPlugins
import EddySDK

/// The fold of an application file's typed `reduce` or `aggregate` over JSON values, for the
/// engine's aggregation nodes (per key, and per time, sliding or session window): the
/// aggregate is JSON text; each record's `spec.field` folds into it through the typed
/// function `(current, value) -> current`. A reduce starts a key (or window) with its first
/// value; an aggregate with `initial`. Sessions merge with the same function, `f(a, b)`.
final class JSONAggregator: Aggregator {
    let spec: AggregateSpec
    /// The typed function; replaced by a hot reload of its plugin.
    var caller: TypedFunctionCaller
    private let initial: JSONValue?
    private let index: JSONIndexCache
    /// For a function of an isolated plugin: the calls of a run, and the position of each.
    private var batch = TypedCallBatch()
    /// The positions folded, in order, with their call in ``batch`` (-1: a reduce's first value).
    private var calls: [(position: Int, call: Int)] = []

    init(spec: AggregateSpec, caller: TypedFunctionCaller, index: JSONIndexCache) throws {
        self.spec = spec
        self.caller = caller
        self.index = index
        initial = try spec.initial.map { text in
            do {
                return try JSONValue(parsing: Array(text.utf8))
            } catch {
                throw BuiltinError(reason: "initial value '\(text)' of \(spec.store) is not JSON")
            }
        }
    }

    func fold(_ entries: FoldEntries, at node: GraphNode, folded: (Int, eddy_bytes) throws -> Void) throws {
        if caller.runner != nil { return try foldIsolated(entries, at: node, folded: folded) }
        for position in 0..<entries.run.count {
            let record = entries.run.records[position], origin = entries.run.origins[position]
            let next: [UInt8]
            do {
                let field = try self.field(of: record, origin: origin)
                let current = try Self.json(entries.aggregates[position]) ?? initial
                next = try fold(current, field)
            } catch {
                try node.graph.reject(origin: origin, reason: "\(error)", node: node.name, plugin: spec.function.plugin)
                continue
            }
            try next.withUnsafeBytes { try folded(position, eddy_bytes(borrowing: $0)) }
        }
    }

    /// ``fold(_:at:folded:)`` for a function of an isolated plugin: every `(current, field)`
    /// of the run in one request, then the results folded in the run's order. A reduce's
    /// first value needs no call.
    private func foldIsolated(_ entries: FoldEntries, at node: GraphNode, folded: (Int, eddy_bytes) throws -> Void)
        throws
    {
        let signature = caller.signature
        batch.reset()
        calls.removeAll(keepingCapacity: true)
        func reject(_ position: Int, _ error: any Error) throws {
            try node.graph.reject(
                origin: entries.run.origins[position], reason: "\(error)", node: node.name, plugin: spec.function.plugin
            )
        }
        for position in 0..<entries.run.count {
            do {
                let field = try self.field(of: entries.run.records[position], origin: entries.run.origins[position])
                guard let current = try Self.json(entries.aggregates[position]) ?? initial else {
                    calls.append((position, -1))
                    continue
                }
                batch.append(
                    try TypedValue(json: current, as: signature.arguments[0], position: 0, function: caller.name))
                batch.append(
                    try TypedValue(json: field, as: signature.arguments[1], position: 1, function: caller.name))
                batch.endCall()
                calls.append((position, batch.count - 1))
            } catch {
                batch.discardCall()
                try reject(position, error)
            }
        }
        if batch.count > 0 { try caller.call(batch: &batch) }
        for (position, call) in calls {
            let next: [UInt8]
            do {
                next =
                    call >= 0
                    ? try Self.text(batch.results[call])
                    : try fold(nil, field(of: entries.run.records[position], origin: entries.run.origins[position]))
            } catch {
                try reject(position, error)
                continue
            }
            try next.withUnsafeBytes { try folded(position, eddy_bytes(borrowing: $0)) }
        }
    }

    func merge(key: eddy_bytes, _ aggregates: [eddy_bytes], at node: GraphNode) throws -> [UInt8] {
        guard var merged = try Self.json(aggregates[0]) else {
            throw BuiltinError(reason: "a session of \(spec.store) has no aggregate")
        }
        for aggregate in aggregates.dropFirst() {
            guard let next = try Self.json(aggregate) else { continue }
            merged = try JSONValue(parsing: try fold(merged, next))
        }
        return try Self.text(
            TypedValue(json: merged, as: caller.signature.arguments[0], position: 0, function: caller.name))
    }

    /// A stored aggregate (JSON text) as a value; nil when absent.
    private static func json(_ stored: eddy_bytes) throws -> JSONValue? {
        try stored.buffer.map { try JSONValue(parsing: Array($0)) }
    }

    /// The record's `spec.field`, from its value's JSON index.
    private func field(of record: eddy_record, origin: Int32) throws -> JSONValue {
        let value = try JSONText.valueBytes(record)
        guard index.object(value, origin: origin) != nil else {
            throw BuiltinError(reason: "the value is not a JSON object")
        }
        return try JSONText.fields(
            [spec.field], of: value, members: index.members(origin: origin), for: "to \(spec.operation.rawValue)")[0]
    }

    /// `function(current, field)`, or the field itself for a reduce's first value; as JSON text.
    private func fold(_ current: JSONValue?, _ field: JSONValue) throws -> [UInt8] {
        let signature = caller.signature
        guard let current else {
            return try Self.text(
                TypedValue(json: field, as: signature.arguments[0], position: 1, function: caller.name))
        }
        return try Self.text(
            caller.call([
                TypedValue(json: current, as: signature.arguments[0], position: 0, function: caller.name),
                TypedValue(json: field, as: signature.arguments[1], position: 1, function: caller.name),
            ]))
    }

    /// The aggregate as JSON text; a non-finite number cannot be stored, so it fails here.
    static func text(_ value: TypedValue) throws -> [UInt8] {
        if case .f64(let d) = value, !d.isFinite {
            throw BuiltinError(reason: "the function returned \(value), which is not a JSON number")
        }
        return JSONText.text(value)
    }
}
