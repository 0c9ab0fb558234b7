import EddySDK

/// How a join picks a key from each record of a run — a global table's key, a foreign key:
/// a plugin function (called once per run; the key it emits is taken), or a JSON field path
/// of the value (``JSONFieldKey``). Keys are copied into the owner's arena, valid until it
/// is reset.
///
/// Used only by the stream thread that owns the task.
final class KeyPicker {
    /// The plugin function, when the key comes from one (for hot reload and failure reports).
    let caller: FunctionCaller?
    private let field: JSONFieldKey?
    private unowned(unsafe) let arena: ByteArena
    /// Per record of the last run: the key picked (absent: none), and whether the record goes
    /// on (false when the plugin rejected it).
    private(set) var keys: [eddy_bytes] = []
    private(set) var kept: [Bool] = []

    init(
        _ selector: Topology.Join.KeySelector, arena: ByteArena,
        caller make: (Topology.PluginFunction) throws -> FunctionCaller
    ) throws {
        self.arena = arena
        switch selector {
        case .function(let function):
            caller = try make(function)
            field = nil
        case .jsonField(let path):
            caller = nil
            field = JSONFieldKey(path)
        }
        caller?.take = { [unowned(unsafe) self] index, _, key, _, _ in
            keys[index] = self.arena.copy(key)
            kept[index] = true
        }
    }

    /// Reports the plugin function's failures at `node`.
    func attach(to node: GraphNode) { caller?.node = node }

    /// Picks the key of every record of `run`.
    func pick(_ run: RecordRun) throws {
        keys.removeAll(keepingCapacity: true)
        keys.append(contentsOf: repeatElement(.absent, count: run.count))
        kept.removeAll(keepingCapacity: true)
        guard run.count > 0 else { return }
        if let caller {
            kept.append(contentsOf: repeatElement(false, count: run.count))
            try caller.apply(run) { [unowned(unsafe) self] in kept[$0] = false }
        } else if let field {
            kept.append(contentsOf: repeatElement(true, count: run.count))
            for index in 0..<run.count { keys[index] = field.key(of: run.records[index].value, arena: arena) }
        }
    }
}
