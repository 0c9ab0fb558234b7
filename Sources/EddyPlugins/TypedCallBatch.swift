#if canImport(Glibc)
    import Glibc
#endif

/// The calls of one typed function for a run of records, gathered so that they can be made
/// together where the function runs in another process (an isolated plugin's): one request
/// per run instead of a round trip per record.
///
/// Arguments are encoded one call after another, each argument as a type tag (its
/// ``ABIType``'s index) and its value: 8 bytes for a scalar, an `Int64` length and the bytes
/// for `str` and `bytes`. Both ends run on one machine from one binary, so the encoding is
/// native-endian. The buffers keep their capacity from run to run.
public struct TypedCallBatch {
    /// The encoded arguments of every call gathered.
    public private(set) var arguments: [UInt8] = []
    /// Where each call's arguments end in ``arguments``.
    public private(set) var callEnds: [Int] = []
    /// The result of each call, by position, once made (``TypedFunctionCaller/call(batch:)``).
    public var results: [TypedValue] = []
    private var callStart = 0

    public init() {}

    /// Calls gathered.
    public var count: Int { callEnds.count }

    /// Empties the batch, keeping its capacity.
    public mutating func reset() {
        arguments.removeAll(keepingCapacity: true)
        callEnds.removeAll(keepingCapacity: true)
        results.removeAll(keepingCapacity: true)
        callStart = 0
    }

    /// Appends an argument of the call being gathered.
    public mutating func append(_ value: TypedValue) {
        switch value {
        case .bool(let flag): appendScalar(.bool, UInt64(flag ? 1 : 0))
        case .i32(let number): appendScalar(.i32, UInt64(UInt32(bitPattern: number)))
        case .i64(let number): appendScalar(.i64, UInt64(bitPattern: number))
        case .f64(let number): appendScalar(.f64, number.bitPattern)
        case .str(let text):
            var text = text
            text.withUTF8 { appendSlice(.str, UnsafeRawBufferPointer($0)) }
        case .bytes(let data): data.withUnsafeBytes { appendSlice(.bytes, $0) }
        case .void: break
        }
    }

    /// Ends the call being gathered: its arguments are complete.
    public mutating func endCall() {
        callEnds.append(arguments.count)
        callStart = arguments.count
    }

    /// Drops the arguments appended to the call being gathered (one failed to convert).
    public mutating func discardCall() {
        arguments.removeSubrange(callStart...)
    }

    // MARK: - Reading

    /// Reads the arguments of one call, `signature.arguments.count` of them, from `base` at
    /// `offset` (advanced past them) into `values` (emptied first).
    public static func readCall(
        _ signature: FunctionSignature, from base: UnsafeRawPointer, offset: inout Int, into values: inout [TypedValue]
    ) {
        values.removeAll(keepingCapacity: true)
        for _ in signature.arguments {
            let tag = ABIType.allCases[Int(base.load(fromByteOffset: offset, as: UInt8.self))]
            offset += 1
            let word = base.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
            offset += 8
            switch tag {
            case .bool: values.append(.bool(word != 0))
            case .i32: values.append(.i32(Int32(bitPattern: UInt32(truncatingIfNeeded: word))))
            case .i64: values.append(.i64(Int64(bitPattern: word)))
            case .f64: values.append(.f64(Double(bitPattern: word)))
            case .str, .bytes:
                let bytes = UnsafeRawBufferPointer(start: base + offset, count: Int(word))
                offset += Int(word)
                values.append(tag == .str ? .str(String(decoding: bytes, as: UTF8.self)) : .bytes(Array(bytes)))
            }
        }
    }

    /// A result as a tag and a word (``result(tag:word:)`` reads it back).
    public static func encode(result: TypedValue) -> (tag: UInt8, word: UInt64) {
        switch result {
        case .bool(let flag): (tag(.bool), flag ? 1 : 0)
        case .i32(let number): (tag(.i32), UInt64(UInt32(bitPattern: number)))
        case .i64(let number): (tag(.i64), UInt64(bitPattern: number))
        case .f64(let number): (tag(.f64), number.bitPattern)
        case .str, .bytes, .void: (UInt8.max, 0)
        }
    }

    /// A result written by ``encode(result:)``.
    public static func result(tag: UInt8, word: UInt64) -> TypedValue {
        switch Int(tag) < ABIType.allCases.count ? ABIType.allCases[Int(tag)] : nil {
        case .bool: .bool(word != 0)
        case .i32: .i32(Int32(bitPattern: UInt32(truncatingIfNeeded: word)))
        case .i64: .i64(Int64(bitPattern: word))
        case .f64: .f64(Double(bitPattern: word))
        case .str, .bytes, nil: .void
        }
    }

    // MARK: - Private

    private static func tag(_ type: ABIType) -> UInt8 { UInt8(ABIType.allCases.firstIndex(of: type)!) }

    private mutating func appendScalar(_ type: ABIType, _ word: UInt64) {
        arguments.append(Self.tag(type))
        withUnsafeBytes(of: word) { arguments.append(contentsOf: $0) }
    }

    private mutating func appendSlice(_ type: ABIType, _ bytes: UnsafeRawBufferPointer) {
        appendScalar(type, UInt64(bytes.count))
        arguments.append(contentsOf: bytes)
    }
}

/// Makes a typed function's calls where its code runs: an isolated plugin's process.
public protocol TypedFunctionRunner: AnyObject, Sendable {
    /// Makes the `batch.count` calls gathered in `batch` in order and sets `batch.results`.
    ///
    /// - Throws: why the calls could not be made (the process died or hung); no result is set.
    func run(_ batch: inout TypedCallBatch) throws
}
