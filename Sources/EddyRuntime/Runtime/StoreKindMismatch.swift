/// A processor used a store as another kind than it is (a `window_put` on a key-value
/// store, a `get` on a window store).
struct StoreKindMismatch: Error, CustomStringConvertible {
    let store: String
    let operation: String
    let kind: String
    let expected: String

    var description: String {
        "\(operation) on store '\(store)', which is a \(kind) store, not a \(expected) store — declare the store with the kind the processor uses"
    }
}
