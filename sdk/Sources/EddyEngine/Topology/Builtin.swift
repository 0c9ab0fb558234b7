import EddySDK

/// The application file's built-in operators on JSON values: they call a plugin's typed
/// functions (through libffi) on fields of each record's value. The host runs them; the
/// test driver, which runs plugin topologies, does not.
public enum Builtin: Sendable, Equatable {
    /// Keeps records for which the function returns true.
    case filter(FunctionCall)
    /// Sets `outputField` of the JSON value to the function's result.
    case mapValues(FunctionCall, outputField: String)
    /// Re-keys each record by a JSON field of its value.
    case selectKey(field: String)
    /// Sends each record to the first branch whose typed function holds on its JSON fields;
    /// a last branch without a function takes the rest. Branches are child nodes by name.
    case branch([JSONBranch])

    /// The typed functions the operator calls.
    public var functionCalls: [FunctionCall] {
        switch self {
        case .filter(let call), .mapValues(let call, _): return [call]
        case .selectKey: return []
        case .branch(let branches): return branches.compactMap(\.function)
        }
    }
}

/// One branch of a built-in `branch`: the child node it sends to, and the typed function
/// that decides (nil for the default branch).
public struct JSONBranch: Sendable, Equatable {
    public var name: String
    public var function: FunctionCall?

    public init(name: String, function: FunctionCall?) {
        self.name = name
        self.function = function
    }
}

/// A call of a plugin's typed function on JSON fields of the record value.
public struct FunctionCall: Sendable, Equatable {
    public var plugin: String
    public var function: String
    /// JSON fields of the value passed as the arguments, in order.
    public var fields: [String]

    public init(plugin: String, function: String, fields: [String]) {
        self.plugin = plugin
        self.function = function
        self.fields = fields
    }
}

/// The fold of an application file's `reduce` or `aggregate` over JSON values (see
/// ``Topology/Aggregation``), kept in the store `store`.
///
/// - `reduce`: `function(current, field)` over the values' JSON `field`; the first value
///   starts each key. Emitted as JSON text of the result.
/// - `aggregate`: the same from `initial` for every key.
public struct AggregateSpec: Sendable, Equatable {
    public enum Operation: String, Sendable, CaseIterable {
        case reduce, aggregate
    }

    public var operation: Operation
    /// The store holding the current value per key.
    public var store: String
    /// The typed function `(current, value) -> new`.
    public var function: FunctionCall
    /// The JSON field of each value passed as the function's second argument.
    public var field: String
    /// The aggregate's start value, as JSON text (aggregate).
    public var initial: String?

    public init(operation: Operation, store: String, function: FunctionCall, field: String, initial: String?) {
        self.operation = operation
        self.store = store
        self.function = function
        self.field = field
        self.initial = initial
    }

    /// The store, as declared: bytes keys, JSON text values, changelogged.
    public var storeDeclaration: StoreDeclaration {
        StoreDeclaration(
            name: store, kind: .keyValue, keySerde: "bytes", valueSerde: "json", changelog: true, retentionMs: 0,
            windowSizeMs: 0)
    }
}
