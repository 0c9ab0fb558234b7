import Testing

@testable import EddyRuntime

/// The `string` serde's UTF-8 check takes ASCII in 32- and 8-byte steps: a non-ASCII or
/// invalid byte must be judged right wherever it falls relative to those steps.
@Suite struct SerdeCheckTests {
    @Test func utf8IsJudgedRightAtEveryPosition() {
        for length in [0, 1, 7, 8, 9, 31, 32, 33, 40, 64, 65, 100] {
            let ascii = Array(repeating: UInt8(ascii: "a"), count: length)
            #expect(ascii.withUnsafeBytes { SerdeCheck.isValidUTF8($0) }, "ASCII of \(length) bytes")
            for position in 0..<length {
                var valid = ascii
                valid.replaceSubrange(position..<position + 1, with: Array("é".utf8))
                #expect(valid.withUnsafeBytes { SerdeCheck.isValidUTF8($0) }, "é at \(position) of \(length)")
                var invalid = ascii
                invalid[position] = 0xC3  // a lead byte followed by ASCII (or nothing)
                #expect(
                    !invalid.withUnsafeBytes { SerdeCheck.isValidUTF8($0) },
                    "lone lead byte at \(position) of \(length)")
                invalid[position] = 0xFF
                #expect(!invalid.withUnsafeBytes { SerdeCheck.isValidUTF8($0) }, "0xFF at \(position) of \(length)")
            }
        }
    }
}
