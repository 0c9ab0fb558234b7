import EddyPlugins
import EddySDK

/// A built-in `count`, `reduce` or `aggregate` node of a task: it folds each record into its
/// key's current value, kept in a host store (changelogged like any other), and emits the
/// new value — a KTable's changelog stream.
final class Aggregation {
    let spec: AggregateSpec
    let store: TaskStore
    /// The typed function `(current, value) -> current` (reduce and aggregate); replaced by a
    /// hot reload of its plugin.
    var caller: TypedFunctionCaller?
    private let initial: JSONValue?

    init(spec: AggregateSpec, store: TaskStore, caller: TypedFunctionCaller?) throws {
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

    /// Folds `record` into the value of its key, stores the result and returns its bytes:
    /// an 8-byte big-endian count, or the function result as JSON text. `field` is the value
    /// of `spec.field` in the record (reduce and aggregate), read by the caller from the
    /// index it keeps of the record's value.
    func fold(_ record: UnsafePointer<eddy_record>, field: JSONValue?) throws -> [UInt8] {
        guard let key = StreamTask.buffer(record.pointee.key) else {
            throw BuiltinError(reason: "a record with a null key cannot be \(spec.operation.rawValue)ed by key")
        }
        let next: [UInt8]
        switch spec.operation {
        case .count:
            let count: Int64 = try store.read(key) { stored in
                try stored.map { bytes -> Int64 in
                    guard bytes.count == 8 else {
                        throw BuiltinError(reason: "the count stored in \(spec.store) is \(bytes.count) bytes, not an 8-byte long")
                    }
                    return Int64(bigEndian: bytes.loadUnaligned(as: Int64.self))
                } ?? 0
            }
            next = withUnsafeBytes(of: (count + 1).bigEndian) { Array($0) }
        case .reduce, .aggregate:
            let field = field!
            let start = try store.read(key) { try $0.map { try JSONValue(parsing: Array($0)) } } ?? initial
            guard let start else {
                // reduce: a key's first value is its first aggregate.
                next = try Self.text(TypedValue(json: field, as: caller!.signature.arguments[0], position: 1, function: caller!.name))
                break
            }
            let signature = caller!.signature
            let result = try caller!.call([
                TypedValue(json: start, as: signature.arguments[0], position: 0, function: caller!.name),
                TypedValue(json: field, as: signature.arguments[1], position: 1, function: caller!.name),
            ])
            next = try Self.text(result)
        }
        next.withUnsafeBytes { store.put(key, $0) }
        return next
    }

    /// The aggregate as JSON text; a non-finite number cannot be stored, so it fails here.
    static func text(_ value: TypedValue) throws -> [UInt8] {
        if case .f64(let d) = value, !d.isFinite {
            throw BuiltinError(reason: "the function returned \(value), which is not a JSON number")
        }
        return StreamTask.jsonText(value)
    }
}
