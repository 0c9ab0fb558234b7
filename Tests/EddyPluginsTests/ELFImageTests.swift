import EddyTestSupport
import Foundation
import Testing

@testable import EddyPlugins

/// The ELF checks made before `dlopen`, on the plugins this package builds: whole, cut short
/// at many lengths, and with one header field changed — each outcome compared with what
/// binutils' `readelf` says of the file.
@Suite struct ELFImageTests {
    /// A built plugin's path, bytes and `readelf`'s view of it.
    struct Built {
        let path: String
        let bytes: [UInt8]
        let elf: ReadElf

        init(_ product: String) throws {
            path = PluginFixture.productsDirectory + "/lib\(product).so"
            bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
            elf = try ReadElf(path)
        }

        /// The first segment (in program header order) that `dlopen` maps or reads from the file.
        func segment(_ type: String) throws -> ReadElf.Segment {
            try #require(elf.segments.first { $0.type == type })
        }

        /// The bytes with `value` written little-endian at `offset` (x86-64 and AArch64 files are little-endian).
        func patched<T: FixedWidthInteger>(_ value: T, at offset: UInt64) -> [UInt8] {
            Self.patched(bytes, value, at: offset)
        }

        /// Where field `field` of program header `index` is (`Elf64_Phdr`: type +0, offset +8, vaddr +16).
        func programHeader(_ index: Int, field: UInt64) -> UInt64 {
            elf.programHeaderTableStart + UInt64(index) * 56 + field
        }
    }

    @Test(arguments: ["WordCount", "WordCountV2", "Enrich", "Uppercase"])
    func acceptsEveryPluginThisPackageBuilds(_ product: String) throws {
        try ELFImage.check(try Built(product).bytes)
    }

    /// Every prefix of a Swift and a C plugin is refused as cut short, at the part `readelf`
    /// places past its end: the header, the program header table, the first segment that
    /// does not fit, or the section header table.
    @Test(arguments: ["WordCount", "Uppercase"])
    func refusesEveryPrefixAsCutShortWhereReadelfSaysItEnds(_ product: String) throws {
        let built = try Built(product)
        let size = built.bytes.count
        if product == "WordCount" { try #require(size > 100_000) }
        let lengths = [0, 1, 3, 4, 16, 52, 63, 64, 65, 100, 1000, 4000, 100_000, size - 1].filter { $0 < size }
        for length in lengths {
            let expected = try expectedDefect(ofPrefix: length, of: built)
            #expect(throws: expected, "\(product), first \(length) bytes") {
                try ELFImage.check(Array(built.bytes.prefix(length)))
            }
        }
    }

    private func expectedDefect(ofPrefix length: Int, of built: Built) throws -> ELFDefect {
        let end = UInt64(length)
        if length == 0 { return .empty }
        if length < 64 { return .cutShort(.header, endsAt: 64, fileSize: length) }
        if end < built.elf.programHeaderTableEnd {
            return .cutShort(.programHeaderTable, endsAt: built.elf.programHeaderTableEnd, fileSize: length)
        }
        let mapped = built.elf.segments.filter { $0.type == "LOAD" || $0.type == "DYNAMIC" }
        if let segment = mapped.first(where: { $0.fileEnd > end }) {
            let part: ELFPart = segment.type == "LOAD" ? .segment(segment.index) : .dynamicSegment(segment.index)
            return .cutShort(part, endsAt: segment.fileEnd, fileSize: length)
        }
        try #require(end < built.elf.sectionHeaderTableEnd)
        return .cutShort(.sectionHeaderTable, endsAt: built.elf.sectionHeaderTableEnd, fileSize: length)
    }

    @Test func refusesWhatIsNoELFFile() {
        #expect(throws: ELFDefect.notELF(start: Array("just".utf8))) { try ELFImage.check(Array("just text\n".utf8)) }
        #expect(throws: ELFDefect.notELF(start: [0x7f, 0x45, 0x4c, 0x00])) {
            try ELFImage.check([0x7f, 0x45, 0x4c, 0x00, 0x02])
        }
        #expect(throws: ELFDefect.notELF(start: [0x7f, 0x00])) { try ELFImage.check([0x7f, 0x00]) }
    }

    @Test func refusesAnotherArchitectureClassByteOrderOrType() throws {
        let built = try Built("WordCount")
        let foreign = BadPluginFile.foreignMachine.number
        #expect(throws: ELFDefect.wrongMachine(found: foreign, host: BadPluginFile.hostMachine.number)) {
            try ELFImage.check(built.patched(foreign, at: 18))
        }
        #expect(throws: ELFDefect.wrongClass(1)) { try ELFImage.check(built.patched(UInt8(1), at: 4)) }
        #expect(throws: ELFDefect.wrongByteOrder(2)) { try ELFImage.check(built.patched(UInt8(2), at: 5)) }
        #expect(throws: ELFDefect.unknownVersion(2)) { try ELFImage.check(built.patched(UInt32(2), at: 20)) }
        #expect(throws: ELFDefect.notSharedObject(type: 1)) { try ELFImage.check(built.patched(UInt16(1), at: 16)) }
        #expect(throws: ELFDefect.notSharedObject(type: 2)) { try ELFImage.check(built.patched(UInt16(2), at: 16)) }
    }

    @Test func refusesHeaderAndEntrySizesThatAreNotELF64s() throws {
        let built = try Built("WordCount")
        #expect(throws: ELFDefect.headerSize(52)) { try ELFImage.check(built.patched(UInt16(52), at: 52)) }
        #expect(throws: ELFDefect.programHeaderSize(32)) { try ELFImage.check(built.patched(UInt16(32), at: 54)) }
        #expect(throws: ELFDefect.sectionHeaderSize(40)) { try ELFImage.check(built.patched(UInt16(40), at: 58)) }
    }

    @Test func refusesOffsetsWhoseEndDoesNotFitIn64Bits() throws {
        let built = try Built("WordCount")
        #expect(throws: ELFDefect.overflows(.programHeaderTable)) {
            try ELFImage.check(built.patched(UInt64.max - 100, at: 32))
        }
        let load = try built.segment("LOAD")
        #expect(throws: ELFDefect.overflows(.segment(load.index))) {
            try ELFImage.check(built.patched(UInt64.max, at: built.programHeader(load.index, field: 8)))
        }
        let dynamic = try built.segment("DYNAMIC")
        #expect(throws: ELFDefect.overflows(.dynamicSegment(dynamic.index))) {
            try ELFImage.check(built.patched(UInt64.max - 8, at: built.programHeader(dynamic.index, field: 8)))
        }
    }

    @Test func refusesALibraryWithoutLoadableOrDynamicSegments() throws {
        let built = try Built("WordCount")
        let dynamic = try built.segment("DYNAMIC")
        #expect(throws: ELFDefect.noDynamicSegment) {
            try ELFImage.check(built.patched(UInt32(0), at: built.programHeader(dynamic.index, field: 0)))
        }
        var noLoads = built.bytes
        for load in built.elf.segments where load.type == "LOAD" {
            noLoads = Built.patched(noLoads, UInt32(0), at: built.programHeader(load.index, field: 0))
        }
        #expect(throws: ELFDefect.noLoadableSegment) { try ELFImage.check(noLoads) }
        #expect(throws: ELFDefect.dynamicOutsideLoadableSegments(index: dynamic.index)) {
            try ELFImage.check(
                built.patched(UInt64(0x7fff_0000_0000), at: built.programHeader(dynamic.index, field: 16)))
        }
    }

    /// `e_shnum` 0 with a section header table means the count is section 0's `sh_size`.
    @Test func readsTheSectionCountFromSectionZeroWhenTheHeaderHasNone() throws {
        let built = try Built("WordCount")
        let sectionZeroSize = built.elf.sectionHeaderTableStart + 32
        let extended = Built.patched(built.patched(UInt16(0), at: 60), built.elf.sectionCount, at: sectionZeroSize)
        try ELFImage.check(extended)
        let tooMany = Built.patched(extended, built.elf.sectionCount + 1, at: sectionZeroSize)
        #expect(
            throws: ELFDefect.cutShort(
                .sectionHeaderTable, endsAt: built.elf.sectionHeaderTableEnd + 64, fileSize: built.bytes.count)
        ) {
            try ELFImage.check(tooMany)
        }
        #expect(throws: ELFDefect.overflows(.sectionHeaderTable)) {
            try ELFImage.check(Built.patched(extended, UInt64.max / 2, at: sectionZeroSize))
        }
        #expect(
            throws: ELFDefect.cutShort(
                .sectionHeaderTable, endsAt: UInt64(built.bytes.count) + 64 * built.elf.sectionCount,
                fileSize: built.bytes.count)
        ) {
            try ELFImage.check(built.patched(UInt64(built.bytes.count), at: 40))
        }
    }

    /// Each defect says what is wrong and what to do.
    @Test func everyDefectSaysWhatIsWrongAndWhatToDo() {
        let host = BadPluginFile.hostMachine.name
        let expected: [(ELFDefect, String)] = [
            (.empty, "is empty — the copy is incomplete; copy the whole build again"),
            (
                .cutShort(.segment(2), endsAt: 1_052_672, fileSize: 100_000),
                "is cut short: its segment 2 (PT_LOAD) ends at byte 1,052,672 but the file has 100,000 bytes — the copy is incomplete; copy the whole build again"
            ),
            (
                .cutShort(.header, endsAt: 64, fileSize: 1),
                "is cut short: its ELF header ends at byte 64 but the file has 1 byte — the copy is incomplete; copy the whole build again"
            ),
            (
                .notELF(start: [0x23, 0x21]),
                "is not an ELF shared library: it begins with 23 21, not ELF's 7f 45 4c 46 — point at the plugin's shared library (.so) itself"
            ),
            (
                .wrongClass(1),
                "is a 32-bit ELF file (ELFCLASS32) but this host loads only 64-bit libraries (ELFCLASS64) — build the plugin on this machine, or cross-compile it for \(host) Linux"
            ),
            (
                .wrongByteOrder(2),
                "is big-endian but this host is little-endian — build the plugin on this machine, or cross-compile it for \(host) Linux"
            ),
            (
                .wrongMachine(found: 40, host: BadPluginFile.hostMachine.number),
                "is built for ARM (32-bit) (e_machine 40) but this host is \(host) (e_machine \(BadPluginFile.hostMachine.number)) — build the plugin on this machine, or cross-compile it for \(host) Linux"
            ),
            (
                .notSharedObject(type: 2),
                "is an executable (ET_EXEC), not a shared library (ET_DYN) — build the plugin as a dynamic library (a .dynamic library product in Swift, cc -shared -fPIC in C)"
            ),
            (
                .noDynamicSegment,
                "has no dynamic segment (PT_DYNAMIC), so it is no dynamically linked library — build the plugin as a dynamic library (a .dynamic library product in Swift, cc -shared -fPIC in C)"
            ),
            (
                .unknownVersion(2),
                "declares ELF version 2, not the current version 1 — the file is damaged; build the plugin again"
            ),
            (
                .programHeaderSize(32),
                "declares program headers of 32 bytes, not ELF64's 56 — the file is damaged; build the plugin again"
            ),
            (
                .overflows(.dynamicSegment(3)),
                "is corrupt: the end of its segment 3 (PT_DYNAMIC) does not fit in 64 bits — the file is damaged; build the plugin again"
            ),
            (.noLoadableSegment, "has no loadable segment (PT_LOAD) — the file is damaged; build the plugin again"),
            (
                .dynamicOutsideLoadableSegments(index: 3),
                "is corrupt: its dynamic segment (segment 3) lies outside every loadable segment — the file is damaged; build the plugin again"
            ),
        ]
        for (defect, message) in expected {
            #expect(defect.description == message)
        }
    }
}

extension ELFImageTests.Built {
    /// `bytes` with `value` written little-endian at `offset`.
    static func patched<T: FixedWidthInteger>(_ bytes: [UInt8], _ value: T, at offset: UInt64) -> [UInt8] {
        var copy = bytes
        withUnsafeBytes(of: value.littleEndian) { copy.replaceSubrange(Int(offset)..<Int(offset) + $0.count, with: $0) }
        return copy
    }
}
