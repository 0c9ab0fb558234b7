import Testing

@testable import EddyPlugins

/// libffi calls of every supported type, and clear refusals of bad signatures and arguments.
@Suite struct TypedFunctionCallerTests {
    private func plugin() throws -> (PluginFixture, LoadedPlugin) {
        let fixture = try PluginFixture()
        let path = try fixture.compileC(
            CPluginSources.plugin(
                name: "types", functions: CPluginSources.typedFunctions, functionList: CPluginSources.typedFunctionList),
            as: "libtypes.so")
        let loader = PluginLoader(pluginDirectory: fixture.pluginDirectory, cacheDirectory: fixture.cacheDirectory)
        return (fixture, try loader.load(path))
    }

    @Test func everyTypeRoundTrips() throws {
        let (_, plugin) = try plugin()
        #expect(try plugin.function(named: "negate").call([.bool(true)]) == .bool(false))
        #expect(try plugin.function(named: "negate").call([.bool(false)]) == .bool(true))
        #expect(try plugin.function(named: "add_i32").call([.i32(-7), .i32(2_000_000_000)]) == .i32(1_999_999_993))
        #expect(try plugin.function(named: "mul_i64").call([.i64(3_000_000_000), .i64(-3)]) == .i64(-9_000_000_000))
        #expect(try plugin.function(named: "half").call([.f64(5)]) == .f64(2.5))
        #expect(try plugin.function(named: "str_len").call([.str("héllo")]) == .i64(6))
        #expect(try plugin.function(named: "str_len").call([.str("")]) == .i64(0))
        #expect(try plugin.function(named: "str_eq").call([.str("same"), .str("same")]) == .bool(true))
        #expect(try plugin.function(named: "str_eq").call([.str("same"), .str("diff")]) == .bool(false))
        #expect(try plugin.function(named: "bytes_sum").call([.bytes([1, 2, 250])]) == .i64(253))
        #expect(try plugin.function(named: "answer").call([]) == .i32(42))
        #expect(try plugin.function(named: "touch").call([]) == .void)
        #expect(
            try plugin.function(named: "mix").call([.i32(1), .f64(0.5), .i64(20), .bool(true), .str("ab")])
                == .f64(21_021.5))
    }

    /// One- and two-argument scalar functions skip libffi; each arrangement of integer and
    /// floating-point positions must still pass and return values exactly.
    @Test func scalarFunctionsAreCalledDirectlyAndExactly() throws {
        let (_, plugin) = try plugin()
        for name in ["negate", "add_i32", "mul_i64", "half", "scale", "floor_sum", "above", "count_true", "inverse"] {
            let function = try plugin.function(named: name)
            #expect(
                ScalarCall(function.signature, address: UnsafeRawPointer(bitPattern: 1)!) != nil,
                "\(name) takes the direct path")
        }
        for name in ["str_len", "bytes_sum", "answer", "touch", "mix"] {
            let function = try plugin.function(named: name)
            #expect(
                ScalarCall(function.signature, address: UnsafeRawPointer(bitPattern: 1)!) == nil,
                "\(name) goes through libffi")
        }
        #expect(try plugin.function(named: "scale").call([.i32(-3), .f64(1.5)]) == .f64(-4.5))
        #expect(try plugin.function(named: "floor_sum").call([.f64(2.9), .i32(-10)]) == .i32(-8))
        #expect(
            try plugin.function(named: "floor_sum").call([.f64(-2_000_000_000), .i32(-100_000_000)])
                == .i32(-2_100_000_000))
        #expect(try plugin.function(named: "above").call([.f64(10.5), .f64(10)]) == .bool(true))
        #expect(try plugin.function(named: "above").call([.f64(-1), .f64(10)]) == .bool(false))
        #expect(try plugin.function(named: "count_true").call([.bool(true), .bool(false)]) == .i64(1))
        #expect(try plugin.function(named: "count_true").call([.bool(true), .bool(true)]) == .i64(2))
        #expect(try plugin.function(named: "inverse").call([.i64(-4)]) == .f64(-0.25))
        #expect(
            try plugin.function(named: "add_i32").call([.i32(-2_000_000_000), .i32(-147_483_648)]) == .i32(Int32.min))
    }

    @Test func convertsCommandLineArguments() throws {
        let (_, plugin) = try plugin()
        #expect(
            try plugin.function(named: "mix").call(arguments: ["1", "0.5", "20", "false", "abc"]) == .f64(30_021.5))
        #expect(try plugin.function(named: "bytes_sum").call(arguments: ["hex:0102ff"]) == .i64(258))
        #expect(try plugin.function(named: "bytes_sum").call(arguments: ["AB"]) == .i64(131))
    }

    @Test func convertsJSONFields() throws {
        let (_, plugin) = try plugin()
        let record = try JSONValue(parsing: Array(#"{"a": 2, "b": 1.5, "c": 7, "d": true, "e": "x"}"#.utf8))
        let fields = ["a", "b", "c", "d", "e"].map { record[field: $0]! }
        #expect(try plugin.function(named: "mix").call(json: fields) == .f64(11_010.5))
    }

    @Test func refusesAWrongArgumentType() throws {
        let (_, plugin) = try plugin()
        let add = try plugin.function(named: "add_i32")
        let typed = #expect(throws: ArgumentError.self) { try add.call([.i32(1), .str("2")]) }
        #expect(typed?.description == "add_i32 argument 2 (i32) expects i32, got str 2")
        let text = #expect(throws: ArgumentError.self) { try add.call(arguments: ["1", "two"]) }
        #expect(text?.description == "add_i32 argument 2 (i32) expects a 32-bit integer, got \"two\"")
        let overflow = #expect(throws: ArgumentError.self) { try add.call(arguments: ["1", "3000000000"]) }
        #expect(overflow?.description == "add_i32 argument 2 (i32) expects a 32-bit integer, got \"3000000000\"")
        let json = #expect(throws: ArgumentError.self) {
            try plugin.function(named: "str_len").call(json: [.integer(5)])
        }
        #expect(json?.description == "str_len argument 1 (str) expects a JSON string, got JSON integer")
        let flag = #expect(throws: ArgumentError.self) { try plugin.function(named: "negate").call(arguments: ["yes"]) }
        #expect(flag?.description == "negate argument 1 (bool) expects true or false, got \"yes\"")
    }

    @Test func refusesAWrongArgumentCount() throws {
        let (_, plugin) = try plugin()
        let error = #expect(throws: ArgumentError.self) { try plugin.function(named: "add_i32").call(arguments: ["1"]) }
        #expect(error?.description == "add_i32 takes 2 argument(s) (i32, i32), got 1")
    }

    @Test func refusesAnUnknownFunction() throws {
        let (_, plugin) = try plugin()
        let error = #expect(throws: UnknownFunctionError.self) { try plugin.function(named: "nope") }
        #expect(
            error?.description
                == "plugin types 1.0.0 has no typed function nope; it has: above, add_i32, answer, bytes_sum, count_true, floor_sum, half, inverse, mix, mul_i64, negate, scale, str_eq, str_len, touch"
        )
    }
}

/// The signature grammar.
@Suite struct FunctionSignatureTests {
    @Test func parsesValidSignatures() throws {
        #expect(
            try FunctionSignature(parsing: "f64(f64,str)")
                == FunctionSignature(returnType: .f64, arguments: [.f64, .str]))
        #expect(try FunctionSignature(parsing: "void()") == FunctionSignature(returnType: nil, arguments: []))
        #expect(try FunctionSignature(parsing: "i64(bytes)").description == "i64(bytes)")
    }

    @Test func refusesInvalidSignaturesWithTheReason() {
        let cases: [(String, String)] = [
            ("f64", "expected the form ret(arg,arg,...), e.g. f64(f64,str)"),
            ("(i32)", "expected the form ret(arg,arg,...), e.g. f64(f64,str)"),
            ("float(i32)", "unknown return type \"float\""),
            ("str(i32)", "return type str is not supported; return bool, i32, i64, f64 or void"),
            ("i32(i32,)", "argument 2 has unknown type \"\""),
            ("i32(i32, i64)", "argument 2 has unknown type \" i64\""),
            ("i32(void)", "argument 1 has unknown type \"void\""),
        ]
        for (text, reason) in cases {
            #expect(throws: SignatureError(signature: text, reason: reason)) { try FunctionSignature(parsing: text) }
        }
    }
}
