import EddyEngine
import EddyPlugins
import EddySDK

/// The fold of a built-in `reduce` or `aggregate` over JSON values: the key's current value
/// (JSON text in a host store) and the record's field through the typed function
/// `(current, value) -> current`.
final class JSONAggregation {
    let spec: AggregateSpec
    let store: TaskStore
    /// The typed function; replaced by a hot reload of its plugin.
    var caller: TypedFunctionCaller
    private let initial: JSONValue?

    init(spec: AggregateSpec, store: TaskStore, caller: TypedFunctionCaller) throws {
        self.spec = spec
        self.store = store
        self.caller = caller
        initial = try spec.initial.map { text in
            do {
                return try JSONValue(parsing: Array(text.utf8))
            } catch {
                throw BuiltinError(reason: "initial value '\(text)' of \(spec.store) is not JSON")
            }
        }
    }

    /// Folds `field` (the record's `spec.field`) into the value of `key`, stores the result
    /// and returns its JSON text.
    func fold(key: UnsafeRawBufferPointer, field: JSONValue) throws -> [UInt8] {
        let start = try store.read(key) { try $0.map { try JSONValue(parsing: Array($0)) } } ?? initial
        let signature = caller.signature
        let next: [UInt8]
        if let start {
            let result = try caller.call([
                TypedValue(json: start, as: signature.arguments[0], position: 0, function: caller.name),
                TypedValue(json: field, as: signature.arguments[1], position: 1, function: caller.name),
            ])
            next = try Self.text(result)
        } else {
            // reduce: a key's first value is its first aggregate.
            next = try Self.text(TypedValue(json: field, as: signature.arguments[0], position: 1, function: caller.name))
        }
        next.withUnsafeBytes { store.put(key, $0) }
        return next
    }

    /// The aggregate as JSON text; a non-finite number cannot be stored, so it fails here.
    static func text(_ value: TypedValue) throws -> [UInt8] {
        if case .f64(let d) = value, !d.isFinite {
            throw BuiltinError(reason: "the function returned \(value), which is not a JSON number")
        }
        return JSONText.text(value)
    }
}
