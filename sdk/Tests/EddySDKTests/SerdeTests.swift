import EddySDK
import Testing

@Suite struct SerdeTests {
    private func bytes<S: Serde>(_ serde: S, _ value: S.Value) throws -> [UInt8] {
        try serde.serialize(value) { Array($0) }
    }

    private func decode<S: Serde>(_ serde: S, _ bytes: [UInt8]) throws -> S.Value {
        try bytes.withUnsafeBytes { try serde.deserialize($0) }
    }

    @Test func bigEndianIntegersMatchKafkasLayout() throws {
        #expect(try bytes(.int64, 258) == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(try bytes(.int64, -1) == [255, 255, 255, 255, 255, 255, 255, 255])
        #expect(try bytes(.int32, 0x0102_0304) == [1, 2, 3, 4])
        #expect(try bytes(.uint64, UInt64.max) == [UInt8](repeating: 255, count: 8))
        #expect(try decode(.int64, [0, 0, 0, 0, 0, 0, 1, 2]) == 258)
        #expect(try bytes(.float64, 1.5) == [0x3f, 0xf8, 0, 0, 0, 0, 0, 0])
        #expect(try decode(.float64, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0]) == 1.5)
        #expect(BigEndianIntegerSerde<Int64>().name == "i64")
        #expect(BigEndianIntegerSerde<UInt32>().name == "u32")
    }

    @Test func wrongLengthIsRefusedWithTheReason() {
        #expect(throws: SerdeError(serde: "i64", reason: "expected 8 bytes, got 3")) { try decode(.int64, [1, 2, 3]) }
    }

    @Test func stringsAreUTF8() throws {
        #expect(try bytes(.string, "héllo") == [104, 195, 169, 108, 108, 111])
        #expect(try decode(.string, [104, 195, 169]) == "hé")
        #expect(try bytes(.string, "") == [])
        #expect(throws: SerdeError(serde: "string", reason: "the 1 bytes are not valid UTF-8")) {
            try decode(.string, [0xc3])
        }
    }

    @Test func aKeyThatCannotBeDecodedIsCalledAKey() {
        let bad: [UInt8] = [0xc3]
        let asKey = #expect(throws: SerdeError.self) {
            try bad.withUnsafeBytes { try StringSerde().deserializeKey($0) }
        }
        #expect(asKey == SerdeError(serde: "string", reason: "the 1 bytes are not valid UTF-8", part: .key))
        #expect(asKey?.description == "cannot decode string key: the 1 bytes are not valid UTF-8")
        let asValue = #expect(throws: SerdeError.self) { try decode(.string, bad) }
        #expect(asValue?.description == "cannot decode string value: the 1 bytes are not valid UTF-8")
    }

    @Test func jsonRoundTripsWithSortedKeys() throws {
        struct Point: Codable, Equatable {
            var y: Int
            var x: Int
        }
        #expect(try bytes(.json(Point.self), Point(y: 2, x: 1)) == Array(#"{"x":1,"y":2}"#.utf8))
        #expect(try decode(.json(Point.self), Array(#"{"y":5,"x":4}"#.utf8)) == Point(y: 5, x: 4))
        let error = #expect(throws: SerdeError.self) { try decode(.json(Point.self), Array("{".utf8)) }
        #expect(error?.serde == "json")
    }

    @Test func bytesPassThrough() throws {
        #expect(try bytes(.bytes, [1, 2, 3]) == [1, 2, 3])
        #expect(try decode(.bytes, []) == [])
    }
}

@Suite struct ToolchainTests {
    @Test func fingerprintNamesTheSwiftVersionAndTheEmbeddedClang() {
        let clang = String(cString: eddy_compiler_identity())
        #expect(Toolchain.fingerprint == "swift-\(Toolchain.swiftVersion); \(clang)")
        #expect(Toolchain.swiftVersion(ofFingerprint: Toolchain.fingerprint) == Toolchain.swiftVersion)
        #expect(Toolchain.swiftVersion(ofFingerprint: "swift-6.2; Clang 17") == "6.2")
        #expect(Toolchain.swiftVersion(ofFingerprint: "none") == nil)
        #expect(clang.contains("llvm-project"))
    }

    @Test func descriptorCarriesTheABIAndIsStable() {
        let first = SDKTestPlugin.descriptor
        #expect(SDKTestPlugin.descriptor == first)
        #expect(UnsafeRawPointer(first) == SDKTestPlugin.export())
        #expect(first.pointee.abi_major == 1)
        #expect(String(cString: first.pointee.toolchain) == Toolchain.fingerprint)
        #expect(first.pointee.processor_count == 5)
        #expect(Int(first.pointee.struct_size) == MemoryLayout<eddy_plugin>.size)
    }
}
