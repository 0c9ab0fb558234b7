/// Checks that bytes are a whole ELF shared library for this machine before the dynamic
/// loader sees them.
///
/// `dlopen` trusts the file it maps. A library cut short (a copy still being written, a
/// download that stopped) has segments that end past the end of the file; the dynamic loader
/// maps them anyway and the process dies of SIGBUS the moment it touches a page beyond the
/// end — inside `dlopen`, where no error can be returned. So before a plugin is loaded, its
/// bytes are checked here:
///
/// - the ELF identification: magic, 64-bit class, this machine's byte order, version 1;
/// - the header: `ET_DYN`, this host's `e_machine`, ELF64 header and entry sizes;
/// - the program header table, every `PT_LOAD` segment's file range and every `PT_DYNAMIC`
///   segment's file range inside the file, and each `PT_DYNAMIC` inside a `PT_LOAD`'s memory;
/// - the section header table inside the file (with ELF's extended section numbering).
///
/// The bytes are already in memory, read with plain reads (a file that may shrink is never
/// mapped); every field is decoded from them by index, after its range was checked, and every
/// offset-plus-length is computed with overflow checks. This proves that what the dynamic
/// loader maps from the file is in the file, not that the library is sound: relocations,
/// symbols and code are the dynamic loader's business.
enum ELFImage {
    /// Throws the first defect found, in file order: identification, header, program header
    /// table, segments, section header table.
    static func check(_ bytes: [UInt8]) throws(ELFDefect) {
        let size = UInt64(bytes.count)
        guard !bytes.isEmpty else { throw .empty }
        guard bytes.prefix(magic.count).elementsEqual(magic.prefix(bytes.count)) else {
            throw .notELF(start: Array(bytes.prefix(magic.count)))
        }
        // The identification bytes that are there are checked even when the header is short,
        // so that a 32-bit or foreign file is named as such rather than as cut short.
        if bytes.count > classIndex, bytes[classIndex] != class64 { throw .wrongClass(bytes[classIndex]) }
        if bytes.count > dataIndex, bytes[dataIndex] != Host.dataEncoding { throw .wrongByteOrder(bytes[dataIndex]) }
        if bytes.count > versionIndex, bytes[versionIndex] != currentVersion {
            throw .unknownVersion(UInt32(bytes[versionIndex]))
        }
        guard size >= UInt64(headerSize) else {
            throw .cutShort(.header, endsAt: UInt64(headerSize), fileSize: bytes.count)
        }

        let fields = Fields(bytes: bytes)
        let type = fields.u16(16)
        guard type == typeShared else { throw .notSharedObject(type: type) }
        let machine = fields.u16(18)
        guard machine == Host.machine else { throw .wrongMachine(found: machine, host: Host.machine) }
        let version = fields.u32(20)
        guard version == UInt32(currentVersion) else { throw .unknownVersion(version) }
        let ehsize = fields.u16(52)
        guard ehsize == headerSize else { throw .headerSize(ehsize) }
        let phentsize = fields.u16(54)
        guard phentsize == programHeaderSize else { throw .programHeaderSize(phentsize) }

        let programHeaders = fields.u64(32)
        let programHeaderCount = Int(fields.u16(56))
        let programEnd = try end(
            programHeaders, UInt64(programHeaderCount) * UInt64(programHeaderSize), .programHeaderTable)
        guard programEnd <= size else {
            throw .cutShort(.programHeaderTable, endsAt: programEnd, fileSize: bytes.count)
        }
        try checkSegments(fields, table: Int(programHeaders), count: programHeaderCount)
        try checkSectionHeaderTable(fields)
    }

    // MARK: - Segments

    private static func checkSegments(_ fields: Fields, table: Int, count: Int) throws(ELFDefect) {
        let size = UInt64(fields.bytes.count)
        var loads: [ClosedRange<UInt64>] = []
        var dynamics: [(index: Int, memory: ClosedRange<UInt64>)] = []
        for index in 0..<count {
            let entry = table + index * Int(programHeaderSize)
            let type = fields.u32(entry)
            guard type == segmentLoad || type == segmentDynamic else { continue }
            let part: ELFPart = type == segmentLoad ? .segment(index) : .dynamicSegment(index)
            let fileEnd = try end(fields.u64(entry + 8), fields.u64(entry + 32), part)
            guard fileEnd <= size else { throw .cutShort(part, endsAt: fileEnd, fileSize: fields.bytes.count) }
            let address = fields.u64(entry + 16)
            let memoryEnd = try end(address, fields.u64(entry + 40), part)
            // A segment of no memory is represented by its start alone.
            let memory = memoryEnd > address ? address...(memoryEnd - 1) : address...address
            if type == segmentLoad { loads.append(memory) } else { dynamics.append((index, memory)) }
        }
        guard !loads.isEmpty else { throw .noLoadableSegment }
        guard !dynamics.isEmpty else { throw .noDynamicSegment }
        for dynamic in dynamics where !loads.contains(where: { $0.contains(dynamic.memory) }) {
            throw .dynamicOutsideLoadableSegments(index: dynamic.index)
        }
    }

    // MARK: - Sections

    /// The section header table, when there is one (`e_shoff` ≠ 0). With more sections than
    /// `e_shnum` can hold, `e_shnum` is 0 and the count is section 0's `sh_size`.
    private static func checkSectionHeaderTable(_ fields: Fields) throws(ELFDefect) {
        let size = UInt64(fields.bytes.count)
        let table = fields.u64(40)
        guard table != 0 else { return }
        let shentsize = fields.u16(58)
        guard shentsize == sectionHeaderSize else { throw .sectionHeaderSize(shentsize) }
        var count = UInt64(fields.u16(60))
        if count == 0 {
            let firstEnd = try end(table, UInt64(sectionHeaderSize), .sectionHeaderTable)
            guard firstEnd <= size else {
                throw .cutShort(.sectionHeaderTable, endsAt: firstEnd, fileSize: fields.bytes.count)
            }
            count = fields.u64(Int(table) + 32)
        }
        let (length, overflow) = count.multipliedReportingOverflow(by: UInt64(sectionHeaderSize))
        guard !overflow else { throw .overflows(.sectionHeaderTable) }
        let tableEnd = try end(table, length, .sectionHeaderTable)
        guard tableEnd <= size else {
            throw .cutShort(.sectionHeaderTable, endsAt: tableEnd, fileSize: fields.bytes.count)
        }
    }

    /// `offset + length`, or ``ELFDefect/overflows(_:)`` for `part`.
    private static func end(_ offset: UInt64, _ length: UInt64, _ part: ELFPart) throws(ELFDefect) -> UInt64 {
        let (sum, overflow) = offset.addingReportingOverflow(length)
        guard !overflow else { throw .overflows(part) }
        return sum
    }

    // MARK: - Constants (the ELF specification's names)

    /// `ELFMAG`: `\x7fELF`.
    static let magic: [UInt8] = [0x7f, 0x45, 0x4c, 0x46]
    static let classIndex = 4, dataIndex = 5, versionIndex = 6
    /// `ELFCLASS32`, `ELFCLASS64`.
    static let class32: UInt8 = 1, class64: UInt8 = 2
    /// `ELFDATA2LSB`, `ELFDATA2MSB`.
    static let littleEndian: UInt8 = 1, bigEndian: UInt8 = 2
    /// `EV_CURRENT`.
    static let currentVersion: UInt8 = 1
    /// `ET_DYN`.
    static let typeShared: UInt16 = 3
    /// `EM_X86_64`, `EM_AARCH64`.
    static let machineX86_64: UInt16 = 62, machineAArch64: UInt16 = 183
    /// `PT_LOAD`, `PT_DYNAMIC`.
    static let segmentLoad: UInt32 = 1, segmentDynamic: UInt32 = 2
    /// `sizeof(Elf64_Ehdr)`, `sizeof(Elf64_Phdr)`, `sizeof(Elf64_Shdr)`.
    static let headerSize: UInt16 = 64, programHeaderSize: UInt16 = 56, sectionHeaderSize: UInt16 = 64

    /// What a library must be built for to load into this process.
    enum Host {
        #if arch(x86_64)
            static let machine = ELFImage.machineX86_64
        #elseif arch(arm64)
            static let machine = ELFImage.machineAArch64
        #else
            #error("Eddy loads plugins on x86_64 and aarch64 only: add this architecture's e_machine")
        #endif
        static let dataEncoding = 1.littleEndian == 1 ? ELFImage.littleEndian : ELFImage.bigEndian
    }
}

/// The file's integers, decoded in this host's byte order (which ``ELFImage/check(_:)`` has
/// required of the file) from offsets that were checked to lie inside the bytes.
private struct Fields {
    let bytes: [UInt8]

    func u16(_ offset: Int) -> UInt16 { value(offset) }
    func u32(_ offset: Int) -> UInt32 { value(offset) }
    func u64(_ offset: Int) -> UInt64 { value(offset) }

    private func value<T: FixedWidthInteger & UnsignedInteger>(_ offset: Int) -> T {
        let width = MemoryLayout<T>.size
        let little = (0..<width).reduce(T.zero) { $0 | T(bytes[offset + $1]) << ($1 * 8) }
        return ELFImage.Host.dataEncoding == ELFImage.littleEndian ? little : little.byteSwapped
    }
}
