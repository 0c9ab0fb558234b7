import CLibFFI
import EddySDK

#if canImport(Glibc)
    import Glibc
#endif

/// Calls one typed function of a loaded plugin through libffi, or, for an isolated plugin,
/// through its process (``runner``).
///
/// The `ffi_cif` (the call interface for the function's C signature) is prepared once, when
/// the caller is made; every call then only converts arguments and runs `ffi_call`. Use it
/// from any thread: a call keeps its argument storage on its own.
public final class TypedFunctionCaller: @unchecked Sendable {
    /// The function's name.
    public let name: String
    /// Its parsed signature.
    public let signature: FunctionSignature
    /// Where the function runs when it is not in this process (an isolated plugin's process);
    /// callers that make many calls gather them in a ``TypedCallBatch`` for ``call(batch:)``.
    public let runner: (any TypedFunctionRunner)?
    /// The function's address in this process; nil when ``runner`` makes the calls.
    private let address: UnsafeRawPointer?
    private let cif: UnsafeMutablePointer<ffi_cif>
    private let argumentTypes: UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>
    /// The call without libffi, for all-scalar signatures.
    private let scalar: ScalarCall?

    /// Prepares the call interface for `address`, a C function with `signature`.
    ///
    /// - Throws: `FFIError` when libffi refuses the signature.
    public init(name: String, signature: FunctionSignature, address: UnsafeRawPointer) throws {
        self.name = name
        self.signature = signature
        self.address = address
        runner = nil
        scalar = ScalarCall(signature, address: address)
        (cif, argumentTypes) = try Self.prepare(name: name, signature: signature)
    }

    /// A function with `signature` whose calls `runner` makes elsewhere.
    ///
    /// - Throws: `FFIError` when libffi refuses the signature (as it would in-process).
    public init(name: String, signature: FunctionSignature, runner: any TypedFunctionRunner) throws {
        self.name = name
        self.signature = signature
        self.runner = runner
        address = nil
        scalar = nil
        (cif, argumentTypes) = try Self.prepare(name: name, signature: signature)
    }

    private static func prepare(name: String, signature: FunctionSignature) throws -> (
        UnsafeMutablePointer<ffi_cif>, UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>
    ) {
        let cif = UnsafeMutablePointer<ffi_cif>.allocate(capacity: 1)
        let argumentTypes = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(
            capacity: max(signature.arguments.count, 1))
        for (index, type) in signature.arguments.enumerated() {
            argumentTypes[index] = FFITypes.shared.type(of: type)
        }
        let returnType = signature.returnType.map { FFITypes.shared.type(of: $0) } ?? FFITypes.shared.void
        let status = ffi_prep_cif(
            cif, FFI_DEFAULT_ABI, UInt32(signature.arguments.count), returnType, argumentTypes)
        guard status == FFI_OK else {
            cif.deallocate()
            argumentTypes.deallocate()
            throw FFIError(
                function: name, reason: "ffi_prep_cif refused signature \(signature) (status \(status.rawValue))")
        }
        return (cif, argumentTypes)
    }

    deinit {
        cif.deallocate()
        argumentTypes.deallocate()
    }

    /// Calls the function with `arguments`, which must match the signature in count and type.
    ///
    /// - Throws: `ArgumentError` for a wrong count or type.
    public func call(_ arguments: [TypedValue]) throws -> TypedValue {
        guard arguments.count == signature.arguments.count else {
            throw ArgumentError(
                function: name, position: 0, type: nil,
                reason:
                    "takes \(signature.arguments.count) argument(s) (\(signature.arguments.map(\.rawValue).joined(separator: ", "))), got \(arguments.count)"
            )
        }
        for (index, (value, expected)) in zip(arguments, signature.arguments).enumerated() where value.type != expected
        {
            throw ArgumentError(
                function: name, position: index + 1, type: expected,
                reason: "expects \(expected.rawValue), got \(value.type?.rawValue ?? "void") \(value)")
        }
        return try invoke(arguments)
    }

    /// Makes the calls gathered in `batch` (arguments of this function's types) and sets
    /// `batch.results`: in one request where a ``runner`` makes them, one by one here.
    ///
    /// - Throws: the runner's failure (its process died or hung).
    public func call(batch: inout TypedCallBatch) throws {
        if let runner { return try runner.run(&batch) }
        var offset = 0
        var values: [TypedValue] = []
        batch.results.removeAll(keepingCapacity: true)
        let arguments = batch.arguments
        arguments.withUnsafeBytes { bytes in
            // A function of no arguments has no bytes to read; any address serves.
            let base = bytes.baseAddress ?? UnsafeRawPointer(emptyArguments)
            for _ in 0..<batch.count {
                TypedCallBatch.readCall(signature, from: base, offset: &offset, into: &values)
                batch.results.append(invoke(local: values))
            }
        }
    }

    /// Whether the function takes one or two scalar arguments (bool, i32, i64, f64) and
    /// returns one: ``call(scalar:_:)`` then calls it without libffi and without an array.
    public var takesScalars: Bool { scalar != nil }

    /// Calls a function that ``takesScalars`` with its first argument and, when it takes two,
    /// its second (`.void` otherwise). The caller has converted both to the signature's types.
    public func call(scalar a: TypedValue, _ b: TypedValue) -> TypedValue {
        precondition(
            takesScalars && a.type == signature.arguments[0]
                && (signature.arguments.count == 1 || b.type == signature.arguments[1]),
            "\(name): scalar arguments \(a), \(b) do not match \(signature)")
        return scalar!.call(a, b, returning: signature.returnType!)
    }

    /// Calls the function with command-line arguments, converted to the signature's types.
    public func call(arguments texts: [String]) throws -> TypedValue {
        guard texts.count == signature.arguments.count else {
            throw ArgumentError(
                function: name, position: 0, type: nil,
                reason:
                    "takes \(signature.arguments.count) argument(s) (\(signature.arguments.map(\.rawValue).joined(separator: ", "))), got \(texts.count)"
            )
        }
        let values = try zip(texts, signature.arguments).enumerated().map { index, pair in
            try TypedValue(argument: pair.0, as: pair.1, position: index + 1, function: name)
        }
        return try invoke(values)
    }

    /// Calls the function with JSON values (e.g. fields of a record), converted to its types.
    public func call(json values: [JSONValue]) throws -> TypedValue {
        guard values.count == signature.arguments.count else {
            throw ArgumentError(
                function: name, position: 0, type: nil,
                reason: "takes \(signature.arguments.count) argument(s), got \(values.count)")
        }
        if let scalar, let returnType = signature.returnType {
            // One or two arguments, converted without building an array per call.
            let a = try TypedValue(json: values[0], as: signature.arguments[0], position: 1, function: name)
            let b =
                values.count > 1
                ? try TypedValue(json: values[1], as: signature.arguments[1], position: 2, function: name) : .void
            return scalar.call(a, b, returning: returnType)
        }
        let converted = try zip(values, signature.arguments).enumerated().map { index, pair in
            try TypedValue(json: pair.0, as: pair.1, position: index + 1, function: name)
        }
        return try invoke(converted)
    }

    // MARK: - The call

    /// One stack buffer holds everything a call needs: the result register, a pointer per
    /// argument, a 16-byte slot per argument (big enough for a slice by value), and the
    /// string and byte contents, copied so they stay valid for the call.
    private func invoke(_ arguments: [TypedValue]) throws -> TypedValue {
        guard runner == nil else { return try invoke(remote: arguments) }
        return invoke(local: arguments)
    }

    /// One call through the ``runner``: a batch of one.
    private func invoke(remote arguments: [TypedValue]) throws -> TypedValue {
        var batch = TypedCallBatch()
        arguments.forEach { batch.append($0) }
        batch.endCall()
        try runner!.run(&batch)
        return batch.results[0]
    }

    private func invoke(local arguments: [TypedValue]) -> TypedValue {
        if let scalar, let returnType = signature.returnType { return scalar.call(arguments, returning: returnType) }
        let slotSize = 16
        let count = arguments.count
        let payload = arguments.reduce(0) { total, value in
            switch value {
            case .str(let text): return total + text.utf8.count
            case .bytes(let bytes): return total + bytes.count
            default: return total
            }
        }
        let pointersOffset = 16
        let slotsOffset = pointersOffset + ((count * MemoryLayout<UnsafeRawPointer>.stride + 15) & ~15)
        let payloadOffset = slotsOffset + slotSize * count
        return withUnsafeTemporaryAllocation(byteCount: payloadOffset + payload, alignment: 16) { buffer in
            let base = buffer.baseAddress!
            let result = base
            let argumentPointers = (base + pointersOffset).bindMemory(
                to: UnsafeMutableRawPointer?.self, capacity: max(count, 1))
            var cursor = base + payloadOffset
            func place(_ bytes: some Collection<UInt8>) -> eddy_bytes {
                let start = cursor
                UnsafeMutableRawBufferPointer(start: start, count: bytes.count).copyBytes(from: bytes)
                cursor += bytes.count
                return eddy_bytes(ptr: start.assumingMemoryBound(to: UInt8.self), len: bytes.count)
            }
            for (index, value) in arguments.enumerated() {
                let slot = base + slotsOffset + slotSize * index
                switch value {
                case .bool(let flag): slot.storeBytes(of: flag, as: Bool.self)
                case .i32(let number): slot.storeBytes(of: number, as: Int32.self)
                case .i64(let number): slot.storeBytes(of: number, as: Int64.self)
                case .f64(let number): slot.storeBytes(of: number, as: Double.self)
                case .str(let text):
                    let bytes = place(text.utf8)
                    slot.storeBytes(
                        of: eddy_str(
                            ptr: UnsafeRawPointer(bytes.ptr)?.assumingMemoryBound(to: CChar.self), len: bytes.len),
                        as: eddy_str.self)
                case .bytes(let data): slot.storeBytes(of: place(data), as: eddy_bytes.self)
                case .void: break
                }
                argumentPointers[index] = slot
            }
            result.storeBytes(of: 0, as: UInt64.self)
            ffi_call(cif, unsafeBitCast(address!, to: (@convention(c) () -> Void).self), result, argumentPointers)
            // libffi widens integral returns narrower than a register to `ffi_arg`.
            let register = result.load(as: UInt64.self)
            switch signature.returnType {
            case nil: return .void
            case .bool: return .bool(register & 0xff != 0)
            case .i32: return .i32(Int32(truncatingIfNeeded: register))
            case .i64: return .i64(Int64(bitPattern: register))
            case .f64: return .f64(result.load(as: Double.self))
            case .str, .bytes: preconditionFailure("FunctionSignature refuses str and bytes returns")
            }
        }
    }
}

/// The arguments of a call of no arguments.
private nonisolated(unsafe) let emptyArguments = UnsafeMutableRawPointer.allocate(byteCount: 1, alignment: 1)

/// libffi refused to prepare a call.
public struct FFIError: Error, CustomStringConvertible {
    public let function: String
    public let reason: String
    public var description: String { "typed function \(function): \(reason)" }
}

/// The libffi type descriptions, looked up once. libffi's predefined `ffi_type_*` are C
/// globals; their addresses are read with `dlsym` so Swift never touches them as mutable
/// global state. The slice types (`eddy_str`, `eddy_bytes`: pointer + size_t) are structs
/// built here once and never freed.
final class FFITypes: @unchecked Sendable {
    static let shared = FFITypes()

    let void: UnsafeMutablePointer<ffi_type>
    private let uint8: UnsafeMutablePointer<ffi_type>
    private let sint32: UnsafeMutablePointer<ffi_type>
    private let sint64: UnsafeMutablePointer<ffi_type>
    private let double: UnsafeMutablePointer<ffi_type>
    private let slice: UnsafeMutablePointer<ffi_type>

    private init() {
        func predefined(_ symbol: String) -> UnsafeMutablePointer<ffi_type> {
            guard let address = dlsym(UnsafeMutableRawPointer(bitPattern: 0), symbol) else {
                preconditionFailure("libffi is linked but \(symbol) is missing: \(String(cString: dlerror()))")
            }
            return address.assumingMemoryBound(to: ffi_type.self)
        }
        void = predefined("ffi_type_void")
        uint8 = predefined("ffi_type_uint8")
        sint32 = predefined("ffi_type_sint32")
        sint64 = predefined("ffi_type_sint64")
        double = predefined("ffi_type_double")
        let elements = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: 3)
        elements[0] = predefined("ffi_type_pointer")
        elements[1] = predefined("ffi_type_uint64")
        elements[2] = nil
        slice = .allocate(capacity: 1)
        slice.initialize(to: ffi_type(size: 0, alignment: 0, type: UInt16(FFI_TYPE_STRUCT), elements: elements))
        // libffi computes a struct type's size and alignment the first time a cif uses it;
        // do it now, once, so concurrent `ffi_prep_cif` calls only read it.
        let layoutCif = UnsafeMutablePointer<ffi_cif>.allocate(capacity: 1)
        let layoutArguments = UnsafeMutablePointer<UnsafeMutablePointer<ffi_type>?>.allocate(capacity: 1)
        layoutArguments[0] = slice
        let status = ffi_prep_cif(layoutCif, FFI_DEFAULT_ABI, 1, void, layoutArguments)
        precondition(status == FFI_OK, "libffi cannot lay out the eddy_str/eddy_bytes struct")
        layoutCif.deallocate()
        layoutArguments.deallocate()
    }

    func type(of type: ABIType) -> UnsafeMutablePointer<ffi_type> {
        switch type {
        case .bool: return uint8
        case .i32: return sint32
        case .i64: return sint64
        case .f64: return double
        case .str, .bytes: return slice
        }
    }
}
