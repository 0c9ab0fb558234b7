import EddyPlugins
import EddySDK
import Testing

@testable import EddyRuntime

/// The built-in operators' JSON scanner: validation, top-level fields, and splicing.
@Suite struct JSONScannerTests {
    func valid(_ text: String) -> Bool { Array(text.utf8).withUnsafeBytes { JSONScanner.isValid($0) } }

    @Test func validatesJSONAsTheRFCDefinesIt() {
        for good in [#"{"a":1,"b":[true,false,null],"c":{"d":"e\u00e9\n"}}"#, "12", "-0.5e+3", #""x""#, " [ ] ", "{}"] {
            #expect(valid(good), "\(good)")
        }
        for bad in ["", "{", #"{"a":}"#, "01", "1.", "tru", #"{"a" 1}"#, "[1,]", "not json", #""\x""#, "{} {}", "\"\u{01}\""] {
            #expect(!valid(bad), "\(bad)")
        }
        #expect(!Array([0x22, 0xFF, 0x22]).withUnsafeBytes { JSONScanner.isValid($0) }, "invalid UTF-8 in a string")
    }

    @Test func findsTopLevelFieldsOnly() throws {
        let text = #"{"user":"u\"1","nested":{"amount":1},"amount":12.5,"n":7,"ok":true}"#
        let values = try Array(text.utf8).withUnsafeBytes { bytes -> [JSONValue?] in
            let (found, end, empty) = try #require(JSONScanner.members(bytes, ["amount", "user", "n", "ok", "missing"]))
            #expect(end == bytes.count - 1 && !empty)
            return try found.map { try $0.map { try JSONScanner.value(bytes, $0.valueRange) } }
        }
        #expect(values == [.number(12.5), .string(#"u"1"#), .integer(7), .bool(true), nil])
        #expect(Array("[1]".utf8).withUnsafeBytes { JSONScanner.members($0, ["a"]) } == nil)
    }

    @Test func mapValuesReplacesOrAppendsTheFieldKeepingTheRest() throws {
        func set(_ json: String, _ field: String, _ value: TypedValue) throws -> String {
            try Array(json.utf8).withUnsafeBytes { bytes in
                var record = eddy_record()
                record.value = eddy_bytes(ptr: bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), len: bytes.count)
                return String(decoding: try StreamTask.setting(field, to: value, in: &record), as: UTF8.self)
            }
        }
        #expect(try set(#"{"a": 1 , "b":2}"#, "a", .i64(5)) == #"{"a": 5 , "b":2}"#)
        #expect(try set(#"{"a":1}"#, "c", .f64(0.5)) == #"{"a":1,"c":0.5}"#)
        #expect(try set("{ }", "c", .str(#"q"x"#)) == #"{ "c":"q\"x"}"#)
        #expect(throws: BuiltinError.self) { try set("[1]", "c", .bool(true)) }
    }
}
