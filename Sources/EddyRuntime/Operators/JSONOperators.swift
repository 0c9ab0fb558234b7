import EddyEngine
import EddyPlugins
import EddySDK

/// What the application file's built-in operators share: the JSON index of each input
/// record's value, and typed-function calls on its fields. A failure on one record goes to
/// the error policy; the others go on.
class JSONOperatorNode: GraphNode {
    let index: JSONIndexCache
    let output = RunBuffer()
    /// The calls of a run, for a typed function of an isolated plugin.
    lazy var isolatedCalls = TypedCallsOfRun()

    init(name: String, index: JSONIndexCache) {
        self.index = index
        super.init(name: name)
    }

    /// The members of `record`'s value as a JSON object, indexed once per run.
    func object(_ record: eddy_record, origin: Int32) throws -> (value: UnsafeRawBufferPointer, end: Int, empty: Bool) {
        let value = try JSONText.valueBytes(record)
        guard let (end, empty) = index.object(value, origin: origin) else {
            throw BuiltinError(reason: "the value is not a JSON object")
        }
        return (value, end, empty)
    }

    /// Fields `names` of `record`'s JSON object value, in order.
    func fields(_ names: [String], of record: eddy_record, origin: Int32, for use: @autoclosure () -> String) throws
        -> [JSONValue]
    {
        let (value, _, _) = try object(record, origin: origin)
        return try JSONText.fields(names, of: value, members: index.members(origin: origin), for: use())
    }

    /// Calls `caller` with the fields `call` names. One or two scalar arguments are read
    /// straight from the value's bytes; anything else (and every error, so that it reads the
    /// same) takes the general path through `JSONValue`s.
    func call(_ caller: TypedFunctionCaller, _ call: FunctionCall, on record: eddy_record, origin: Int32) throws
        -> TypedValue
    {
        if caller.takesScalars, call.fields.count == caller.signature.arguments.count, let value = record.value.buffer,
            index.object(value, origin: origin) != nil
        {
            let members = index.members(origin: origin)
            func scalar(_ position: Int) -> TypedValue? {
                JSONScanner.find(call.fields[position], in: members, of: value).flatMap {
                    JSONScanner.scalar(value, $0, as: caller.signature.arguments[position])
                }
            }
            if let a = scalar(0) {
                if call.fields.count == 1 { return caller.call(scalar: a, .void) }
                if let b = scalar(1) { return caller.call(scalar: a, b) }
            }
        }
        return try caller.call(
            json: try fields(call.fields, of: record, origin: origin, for: "for \(call.plugin).\(call.function)"))
    }

    /// Runs `body` on every record of `run`, sending a failed record to the error policy.
    func forEachRecord(_ run: RecordRun, plugin: String?, _ body: (eddy_record, Int32) throws -> Void) throws {
        for position in 0..<run.count {
            let origin = run.origins[position]
            do {
                try body(run.records[position], origin)
            } catch {
                try graph.reject(origin: origin, reason: "\(error)", node: name, plugin: plugin)
            }
        }
    }

    /// Sends what was collected on, then empties the buffer.
    func deliverOutput() throws {
        defer { output.reset() }
        try forward(output.run)
    }
}

/// `filter` on a typed function of JSON fields: keeps the records it returns true for.
final class JSONFilterNode: JSONOperatorNode {
    let call: FunctionCall
    var caller: TypedFunctionCaller

    init(name: String, call: FunctionCall, caller: TypedFunctionCaller, index: JSONIndexCache) {
        self.call = call
        self.caller = caller
        super.init(name: name, index: index)
    }

    override func process(_ run: RecordRun) throws {
        if caller.runner != nil { return try processIsolated(run) }
        try forEachRecord(run, plugin: call.plugin) { record, origin in
            if case .bool(true) = try self.call(caller, call, on: record, origin: origin) {
                output.append(record, origin: origin)
            }
        }
        try deliverOutput()
    }

    override var operatorName: String { "filter" }
}

/// `map_values` on a typed function of JSON fields: writes the result into a field of the
/// value (replacing it, or appending the member).
final class JSONMapValuesNode: JSONOperatorNode {
    let call: FunctionCall
    var caller: TypedFunctionCaller
    let field: JSONText.OutputField
    /// Reused from record to record.
    private var spliced: [UInt8] = []

    init(name: String, call: FunctionCall, caller: TypedFunctionCaller, outputField: String, index: JSONIndexCache) {
        self.call = call
        self.caller = caller
        self.field = JSONText.OutputField(outputField)
        super.init(name: name, index: index)
    }

    override func process(_ run: RecordRun) throws {
        if caller.runner != nil { return try processIsolated(run) }
        try forEachRecord(run, plugin: call.plugin) { record, origin in
            try append(try self.call(caller, call, on: record, origin: origin), to: record, origin: origin)
        }
        try deliverOutput()
    }

    /// Writes `result` into `record`'s value and collects it for the output.
    func append(_ result: TypedValue, to record: eddy_record, origin: Int32) throws {
        let (value, end, empty) = try object(record, origin: origin)
        let existing = JSONScanner.find(field.name, in: index.members(origin: origin), of: value)
        JSONText.splice(field, result, into: value, at: existing, end: end, empty: empty, writing: &spliced)
        spliced.withUnsafeBytes {
            output.append(record, key: nil, value: eddy_bytes(borrowing: $0), origin: origin)
        }
    }

    override var operatorName: String { "map_values" }
}

/// `select_key` by a JSON field: the field's value (a string's text, a number's or
/// boolean's JSON text) becomes the key.
final class JSONSelectKeyNode: JSONOperatorNode {
    let field: String

    init(name: String, field: String, index: JSONIndexCache) {
        self.field = field
        super.init(name: name, index: index)
    }

    override func process(_ run: RecordRun) throws {
        try forEachRecord(run, plugin: nil) { record, origin in
            let key = try JSONText.key(
                try fields([field], of: record, origin: origin, for: "to use as the key")[0], ofField: field)
            key.withUnsafeBytes { output.append(record, key: eddy_bytes(borrowing: $0), value: nil, origin: origin) }
        }
        try deliverOutput()
    }

    override var operatorName: String { "select_key" }
}

/// `branch` on typed functions of JSON fields: each record goes to the first branch whose
/// function returns true (a last branch without a function takes the rest).
final class JSONBranchNode: JSONOperatorNode {
    let branches: [JSONBranch]
    var callers: [TypedFunctionCaller?]
    /// The branch of each record of the run; -1 while none is chosen (or it was rejected).
    var chosen: [Int] = []
    private let scratch = RunBuffer()

    init(name: String, branches: [JSONBranch], callers: [TypedFunctionCaller?], index: JSONIndexCache) {
        self.branches = branches
        self.callers = callers
        super.init(name: name, index: index)
    }

    override func process(_ run: RecordRun) throws {
        chosen.removeAll(keepingCapacity: true)
        chosen.append(contentsOf: repeatElement(-1, count: run.count))
        if callers.contains(where: { $0?.runner != nil }) {
            try chooseIsolated(run)
        } else {
            try choose(run)
        }
        try deliver(run)
    }

    /// Chooses each record's branch, calling the functions record by record.
    private func choose(_ run: RecordRun) throws {
        var position = 0
        try forEachRecord(run, plugin: branches.first?.function?.plugin) { record, origin in
            defer { position += 1 }
            for (branch, spec) in branches.enumerated() {
                guard let call = spec.function, let caller = callers[branch] else {
                    chosen[position] = branch
                    return
                }
                if case .bool(true) = try self.call(caller, call, on: record, origin: origin) {
                    chosen[position] = branch
                    return
                }
            }
        }
    }

    /// Sends each record to the branch chosen for it.
    private func deliver(_ run: RecordRun) throws {
        for (branch, spec) in branches.enumerated() {
            guard let child = children.first(where: { $0.name == spec.name }) else { continue }
            scratch.reset()
            for index in 0..<run.count where chosen[index] == branch {
                scratch.append(run.records[index], origin: run.origins[index])
            }
            if scratch.count > 0 { try child.process(scratch.run) }
        }
        scratch.reset()
    }

    override var operatorName: String { "branch" }
}
