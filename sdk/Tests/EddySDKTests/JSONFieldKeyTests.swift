import EddySDK
import Testing

@testable import EddyEngine

/// The key a JSON field path picks out of a value (the application file's `key.field:` and
/// `foreign.key.field:`): a string's text, a number's or boolean's JSON text, none otherwise.
@Suite struct JSONFieldKeyTests {
    private func key(_ path: String, _ json: String?) -> String? {
        let arena = ByteArena()
        guard let json else { return text(JSONFieldKey(path).key(of: .absent, arena: arena)) }
        return Array(json.utf8).withUnsafeBytes {
            text(JSONFieldKey(path).key(of: eddy_bytes(borrowing: $0), arena: arena))
        }
    }

    private func text(_ bytes: eddy_bytes) -> String? {
        bytes.buffer.map { String(decoding: $0, as: UTF8.self) }
    }

    @Test func picksStringsNumbersAndBooleansAtAnyDepth() {
        #expect(key("shop", #"{"item":"tea","shop":"s1"}"#) == "s1")
        #expect(key("order.shop.id", #"{"order":{"lines":[{"shop":"x"}],"shop":{"name":"n","id":"s2"}}}"#) == "s2")
        #expect(key("id", #" { "id" : 42 , "x": 1}"#) == "42")
        #expect(key("id", #"{"id":-1.5e3}"#) == "-1.5e3")
        #expect(key("vip", #"{"vip":true}"#) == "true")
        #expect(key("name", #"{"note":"a \"quoted\" }, {","name":"Ada"}"#) == "Ada")
    }

    @Test func decodesEscapes() {
        #expect(key("name", #"{"name":"a\"b\\c\nd"}"#) == "a\"b\\c\nd")
        #expect(key("name", #"{"name":"caf\u00e9 \ud83d\ude00"}"#) == "café 😀")
    }

    @Test func givesNoKeyForMissingNullObjectsArraysAndNonObjects() {
        #expect(key("shop", #"{"item":"tea"}"#) == nil)
        #expect(key("shop", #"{"shop":null}"#) == nil)
        #expect(key("shop", #"{"shop":{"id":"s1"}}"#) == nil)
        #expect(key("shop", #"{"shop":["s1"]}"#) == nil)
        #expect(key("shop.id", #"{"shop":"s1"}"#) == nil)
        #expect(key("shop", #"["shop"]"#) == nil)
        #expect(key("shop", #"{"sho"#) == nil)
        #expect(key("shop", nil) == nil)
    }
}
