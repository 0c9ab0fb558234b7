/// A value type of the typed-function ABI (see `eddy_function` in `eddy.h`).
public enum ABIType: String, CaseIterable, Sendable {
    case bool, i32, i64, f64, str, bytes

    /// The ABI types a function may return (`str` and `bytes` are arguments only).
    public static let returnable: Set<ABIType> = [.bool, .i32, .i64, .f64]
}

/// A parsed typed-function signature such as `f64(f64,str)`.
public struct FunctionSignature: Equatable, Sendable, CustomStringConvertible {
    /// The return type; nil for `void`.
    public let returnType: ABIType?
    /// The argument types, in order.
    public let arguments: [ABIType]

    public init(returnType: ABIType?, arguments: [ABIType]) {
        self.returnType = returnType
        self.arguments = arguments
    }

    /// Parses `text` (`ret(arg,arg,...)`, no spaces).
    ///
    /// - Throws: `SignatureError` naming what is wrong.
    public init(parsing text: String) throws {
        guard let open = text.firstIndex(of: "("), text.hasSuffix(")"), open != text.startIndex else {
            throw SignatureError(signature: text, reason: "expected the form ret(arg,arg,...), e.g. f64(f64,str)")
        }
        let returnName = String(text[..<open])
        let inner = text[text.index(after: open)..<text.index(before: text.endIndex)]
        if returnName == "void" {
            returnType = nil
        } else if let type = ABIType(rawValue: returnName) {
            guard ABIType.returnable.contains(type) else {
                throw SignatureError(
                    signature: text,
                    reason: "return type \(returnName) is not supported; return bool, i32, i64, f64 or void")
            }
            returnType = type
        } else {
            throw SignatureError(signature: text, reason: "unknown return type \"\(returnName)\"")
        }
        if inner.isEmpty {
            arguments = []
        } else {
            arguments = try inner.split(separator: ",", omittingEmptySubsequences: false).enumerated().map {
                index, name in
                guard let type = ABIType(rawValue: String(name)) else {
                    throw SignatureError(signature: text, reason: "argument \(index + 1) has unknown type \"\(name)\"")
                }
                return type
            }
        }
    }

    public var description: String {
        "\(returnType?.rawValue ?? "void")(\(arguments.map(\.rawValue).joined(separator: ",")))"
    }
}

/// A signature string does not parse.
public struct SignatureError: Error, CustomStringConvertible, Equatable {
    public let signature: String
    public let reason: String
    public var description: String {
        "signature \"\(signature)\" does not parse: \(reason); the types are bool, i32, i64, f64, str, bytes (and void as a return type)"
    }
}
