/// A typed function a declarative topology may call (filters, maps, computed fields),
/// called by the host through libffi.
///
/// The function is a C function pointer whose C types match `signature` (see `eddy.h`):
/// `bool` → `Bool`, `i32` → `Int32`, `i64` → `Int64`, `f64` → `Double`,
/// `str` → `eddy_str` (use `.string`), `bytes` → `eddy_bytes` (use `.bytes`).
///
/// ```swift
/// static let riskScore: @convention(c) (Double, eddy_str) -> Double = { amount, country in
///     RiskModel.score(amount: amount, country: country.string)
/// }
/// TypedFunction("risk_score", signature: "f64(f64,str)", riskScore)
/// ```
///
/// Typed functions must be pure and thread-safe: the host may call them from any thread.
public struct TypedFunction: @unchecked Sendable {
    /// Name, unique within the plugin.
    public let name: String
    /// Signature string, e.g. `f64(f64,str)`.
    public let signature: String
    /// One line of documentation.
    public let doc: String?
    /// The C function's address (code, immutable: safe to share).
    let address: UnsafeRawPointer

    /// Declares a typed function. `function` must be a `@convention(c)` function value.
    public init<F>(_ name: String, signature: String, doc: String? = nil, _ function: F) {
        precondition(
            MemoryLayout<F>.size == MemoryLayout<UnsafeRawPointer>.size,
            "typed function \(name): pass a @convention(c) function, not a Swift closure")
        self.name = name
        self.signature = signature
        self.doc = doc
        self.address = unsafeBitCast(function, to: UnsafeRawPointer.self)
    }
}
