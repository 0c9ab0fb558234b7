/// A direct call, without libffi, of a typed function whose one or two arguments and result
/// are scalars (`bool`, `i32`, `i64`, `f64`): the hot built-ins' usual shape (`filter` on an
/// amount, `map_values` to cents), where libffi's generic call costs ~77 ns against ~3 ns.
///
/// On the platforms Eddy runs on (x86-64 System V and AArch64) an integer-class argument of
/// up to 64 bits travels in a full integer register and is read by the callee from its low
/// bits, a result likewise comes back in one, and a `double` uses a vector register. So one
/// C function type per arrangement of integer and floating-point positions calls every such
/// signature exactly as libffi would; arguments are widened here and results truncated to
/// their declared type.
enum ScalarCall {
    typealias I = Int64
    typealias D = Double

    case ii(@convention(c) (I) -> I)
    case id(@convention(c) (I) -> D)
    case di(@convention(c) (D) -> I)
    case dd(@convention(c) (D) -> D)
    case iii(@convention(c) (I, I) -> I)
    case iid(@convention(c) (I, I) -> D)
    case idi(@convention(c) (I, D) -> I)
    case idd(@convention(c) (I, D) -> D)
    case dii(@convention(c) (D, I) -> I)
    case did(@convention(c) (D, I) -> D)
    case ddi(@convention(c) (D, D) -> I)
    case ddd(@convention(c) (D, D) -> D)

    /// The direct call for `signature` at `address`, or nil when it needs libffi (strings,
    /// bytes, more than two arguments, no arguments, or no result).
    init?(_ signature: FunctionSignature, address: UnsafeRawPointer) {
        #if arch(x86_64) || arch(arm64)
            guard let result = signature.returnType, let resultIsFloat = Self.isFloat(result),
                (1...2).contains(signature.arguments.count)
            else { return nil }
            let floats = signature.arguments.map(Self.isFloat)
            guard !floats.contains(nil) else { return nil }
            switch (floats.map { $0! }, resultIsFloat) {
            case ([false], false): self = .ii(unsafeBitCast(address, to: (@convention(c) (I) -> I).self))
            case ([false], true): self = .id(unsafeBitCast(address, to: (@convention(c) (I) -> D).self))
            case ([true], false): self = .di(unsafeBitCast(address, to: (@convention(c) (D) -> I).self))
            case ([true], true): self = .dd(unsafeBitCast(address, to: (@convention(c) (D) -> D).self))
            case ([false, false], false): self = .iii(unsafeBitCast(address, to: (@convention(c) (I, I) -> I).self))
            case ([false, false], true): self = .iid(unsafeBitCast(address, to: (@convention(c) (I, I) -> D).self))
            case ([false, true], false): self = .idi(unsafeBitCast(address, to: (@convention(c) (I, D) -> I).self))
            case ([false, true], true): self = .idd(unsafeBitCast(address, to: (@convention(c) (I, D) -> D).self))
            case ([true, false], false): self = .dii(unsafeBitCast(address, to: (@convention(c) (D, I) -> I).self))
            case ([true, false], true): self = .did(unsafeBitCast(address, to: (@convention(c) (D, I) -> D).self))
            case ([true, true], false): self = .ddi(unsafeBitCast(address, to: (@convention(c) (D, D) -> I).self))
            case ([true, true], true): self = .ddd(unsafeBitCast(address, to: (@convention(c) (D, D) -> D).self))
            default: return nil
            }
        #else
            return nil
        #endif
    }

    /// Whether a scalar type travels in a floating-point register; nil for strings and bytes.
    private static func isFloat(_ type: ABIType) -> Bool? {
        switch type {
        case .bool, .i32, .i64: return false
        case .f64: return true
        case .str, .bytes: return nil
        }
    }

    /// Calls with arguments already checked against the signature; returns the result as
    /// `returnType`.
    func call(_ arguments: [TypedValue], returning returnType: ABIType) -> TypedValue {
        call(arguments[0], arguments.count > 1 ? arguments[1] : .void, returning: returnType)
    }

    /// Calls with one argument (`b` is then `.void`) or two, checked against the signature.
    func call(_ a: TypedValue, _ b: TypedValue, returning returnType: ABIType) -> TypedValue {
        switch self {
        case .ii(let f): return Self.integer(f(Self.i(a)), as: returnType)
        case .id(let f): return .f64(f(Self.i(a)))
        case .di(let f): return Self.integer(f(Self.d(a)), as: returnType)
        case .dd(let f): return .f64(f(Self.d(a)))
        case .iii(let f): return Self.integer(f(Self.i(a), Self.i(b)), as: returnType)
        case .iid(let f): return .f64(f(Self.i(a), Self.i(b)))
        case .idi(let f): return Self.integer(f(Self.i(a), Self.d(b)), as: returnType)
        case .idd(let f): return .f64(f(Self.i(a), Self.d(b)))
        case .dii(let f): return Self.integer(f(Self.d(a), Self.i(b)), as: returnType)
        case .did(let f): return .f64(f(Self.d(a), Self.i(b)))
        case .ddi(let f): return Self.integer(f(Self.d(a), Self.d(b)), as: returnType)
        case .ddd(let f): return .f64(f(Self.d(a), Self.d(b)))
        }
    }

    private static func i(_ value: TypedValue) -> I {
        switch value {
        case .bool(let flag): return flag ? 1 : 0
        case .i32(let number): return I(number)
        case .i64(let number): return number
        default: preconditionFailure("argument \(value) was checked to be an integer type")
        }
    }

    private static func d(_ value: TypedValue) -> D {
        guard case .f64(let number) = value else { preconditionFailure("argument \(value) was checked to be f64") }
        return number
    }

    /// An integer-register result as `type`, from its low bits.
    private static func integer(_ register: I, as type: ABIType) -> TypedValue {
        switch type {
        case .bool: return .bool(register & 0xff != 0)
        case .i32: return .i32(Int32(truncatingIfNeeded: register))
        default: return .i64(register)
        }
    }
}
