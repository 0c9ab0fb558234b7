import Testing

@testable import EddyPlugins

/// The content address of a plugin build: SHA-256 against FIPS 180-4's test vectors, and the
/// same digest however the bytes are split across `update` calls.
@Suite struct SHA256Tests {
    @Test func standardVectors() {
        #expect(SHA256.hex(of: []) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(SHA256.hex(of: Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(
            SHA256.hex(of: Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            SHA256.hex(of: [UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test func splitUpdatesGiveTheSameDigest() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        for sizes in [[1, 999], [63, 1, 64, 872], [100, 28, 500, 372], [1000]] {
            var hash = SHA256()
            var offset = 0
            for size in sizes {
                hash.update(Array(bytes[offset..<(offset + size)]))
                offset += size
            }
            let digest = hash.finish().map { String($0, radix: 16).leftPadded(to: 2) }.joined()
            #expect(digest == "945acdf575d6a2430bf4d6163e1d03b4b0b896fcef107c8b24bf7ff07a621fa3", "split \(sizes)")
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
