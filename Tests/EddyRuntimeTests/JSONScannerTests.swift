import EddyPlugins
import EddySDK
import EddyTestSupport
import Testing

@testable import EddyRuntime

/// The built-in operators' JSON scanner: validation, top-level fields, and splicing.
@Suite struct JSONScannerTests {
    func valid(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { JSONScanner.isValid($0) } }

    @Test func validatesJSONAsTheRFCDefinesIt() {
        for good in [#"{"a":1,"b":[true,false,null],"c":{"d":"e\u00e9\n"}}"#, "12", "-0.5e+3", #""x""#, " [ ] ", "{}"] {
            #expect(valid(good), "\(good)")
        }
        for bad in [
            "", "{", #"{"a":}"#, "01", "1.", "tru", #"{"a" 1}"#, "[1,]", "not json", #""\x""#, "{} {}", "\"\u{01}\"",
        ] {
            #expect(!valid(bad), "\(bad)")
        }
        #expect(!Array([0x22, 0xFF, 0x22]).withUnsafeBytes { JSONScanner.isValid($0) }, "invalid UTF-8 in a string")
    }

    @Test func findsTopLevelFieldsOnly() throws {
        let text = #"{"user":"u\"1","nested":{"amount":1},"amount":12.5,"n":7,"ok":true}"#
        let values = try Array(text.utf8).withUnsafeBytes { bytes -> [JSONValue?] in
            var members: [JSONScanner.IndexedMember] = []
            let (end, empty) = try #require(JSONScanner.index(bytes, into: &members))
            #expect(end == bytes.count - 1 && !empty)
            return try ["amount", "user", "n", "ok", "missing"].map { name in
                try JSONScanner.find(name, in: members, of: bytes).map { try JSONScanner.value(bytes, $0) }
            }
        }
        #expect(values == [.number(12.5), .string(#"u"1"#), .integer(7), .bool(true), nil])
        var members: [JSONScanner.IndexedMember] = []
        #expect(Array("[1]".utf8).withUnsafeBytes { JSONScanner.index($0, into: &members) } == nil)
    }

    @Test func mapValuesReplacesOrAppendsTheFieldKeepingTheRest() throws {
        func set(_ json: String, _ field: String, _ value: TypedValue) throws -> String {
            try Array(json.utf8).withUnsafeBytes { bytes in
                var members: [JSONScanner.IndexedMember] = []
                guard let (end, empty) = JSONScanner.index(bytes, into: &members) else {
                    throw BuiltinError(reason: "the value is not a JSON object")
                }
                var out: [UInt8] = []
                let field = JSONText.OutputField(field)
                JSONText.splice(
                    field, value, into: bytes, at: JSONScanner.find(field.name, in: members, of: bytes), end: end,
                    empty: empty, writing: &out)
                return String(decoding: out, as: UTF8.self)
            }
        }
        #expect(try set(#"{"a": 1 , "b":2}"#, "a", .i64(5)) == #"{"a": 5 , "b":2}"#)
        #expect(try set(#"{"a":1}"#, "c", .f64(0.5)) == #"{"a":1,"c":0.5}"#)
        #expect(try set("{ }", "c", .str(#"q"x"#)) == #"{ "c":"q\"x"}"#)
        #expect(throws: BuiltinError.self) { try set("[1]", "c", .bool(true)) }
        #expect(try set(#"{"a":1}"#, "c", .i64(-9_223_372_036_854_775_808)) == #"{"a":1,"c":-9223372036854775808}"#)
        #expect(try set(#"{"a":1}"#, "a", .i32(0)) == #"{"a":0}"#)
        #expect(try set(#"{"a":1}"#, "a", .bool(false)) == #"{"a":false}"#)
        #expect(try set(#"{"a":1}"#, "a", .f64(.nan)) == #"{"a":null}"#)
    }

    /// The direct reading of scalar arguments agrees with the general conversion
    /// (Foundation-free `Double(String)`) bit for bit, and declines what it cannot read exactly.
    @Test func scalarsReadStraightFromTheBytesMatchTheGeneralConversion() {
        func scalar(_ text: String, _ type: ABIType) -> TypedValue? {
            Array(text.utf8).withUnsafeBytes { JSONScanner.scalar($0, 0..<$0.count, as: type) }
        }
        var numbers = [
            "0", "-0", "12.25", "10.5", "0.1", "0.3", "1e22", "1E-22", "-4.5e+3", "9007199254740991", "123456.789012",
            "0.000001", "3.14159265358979", "2.5e-5", "99999999999999.9",
        ]
        var generator = SeededGenerator(seed: 8)
        for _ in 0..<20_000 {
            let mantissa = UInt64.random(in: 0..<(1 << 53), using: &generator)
            let digits = String(mantissa)
            let point = Int.random(in: 0...digits.count, using: &generator)
            let text =
                point == digits.count
                ? digits
                : String(digits.prefix(point).isEmpty ? "0" : digits.prefix(point)) + "." + digits.dropFirst(point)
            numbers.append(Bool.random(using: &generator) ? "-" + text : text)
        }
        for text in numbers {
            let expected = Double(text)!
            guard case .f64(let read)? = scalar(text, .f64) else {
                Issue.record("\(text) was not read directly")
                continue
            }
            #expect(read.bitPattern == expected.bitPattern, "\(text): \(read) against \(expected)")
        }
        // Beyond the exact paths: left to the general conversion.
        for text in ["9007199254740993", "1e23", "1e-23", "123456789012345678901", "1.7976931348623157e308"] {
            #expect(scalar(text, .f64) == nil, "\(text)")
        }
        #expect(scalar("-123456789012345678", .i64) == .i64(-123_456_789_012_345_678))
        #expect(scalar("7", .i32) == .i32(7))
        #expect(scalar("2147483648", .i32) == nil)
        #expect(scalar("1234567890123456789", .i64) == nil)
        #expect(scalar("1.5", .i64) == nil)
        #expect(scalar("true", .bool) == .bool(true))
        #expect(scalar("false", .bool) == .bool(false))
        #expect(scalar("1", .bool) == nil)
        #expect(scalar(#""x""#, .str) == nil)
    }
}
