/// What makes a file no whole ELF shared library for this machine, found by ``ELFImage``
/// before the dynamic loader is given the file.
///
/// ``description`` is a predicate on the file and what to do about it (`is cut short: its
/// segment 1 (PT_LOAD) ends at byte 343,968 but the file has 100,000 bytes — the copy is
/// incomplete; copy the whole build again`); ``PluginFileError`` puts the file's path in front.
public enum ELFDefect: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file has no bytes.
    case empty
    /// The file does not begin with the ELF magic `7f 45 4c 46`; `start` is what it begins with.
    case notELF(start: [UInt8])
    /// `part` ends at byte `endsAt`, past the end of a file of `fileSize` bytes.
    case cutShort(ELFPart, endsAt: UInt64, fileSize: Int)
    /// `EI_CLASS` is not `ELFCLASS64`.
    case wrongClass(UInt8)
    /// `EI_DATA` is not this machine's byte order.
    case wrongByteOrder(UInt8)
    /// `EI_VERSION` or `e_version` is not `EV_CURRENT`.
    case unknownVersion(UInt32)
    /// `e_type` is not `ET_DYN`.
    case notSharedObject(type: UInt16)
    /// `e_machine` is another architecture's.
    case wrongMachine(found: UInt16, host: UInt16)
    /// `e_ehsize` is not the 64 bytes of an ELF64 header.
    case headerSize(UInt16)
    /// `e_phentsize` is not the 56 bytes of an ELF64 program header.
    case programHeaderSize(UInt16)
    /// `e_shentsize` is not the 64 bytes of an ELF64 section header.
    case sectionHeaderSize(UInt16)
    /// Where `part` ends does not fit in 64 bits.
    case overflows(ELFPart)
    /// No `PT_LOAD` program header: nothing to map.
    case noLoadableSegment
    /// No `PT_DYNAMIC` program header: nothing for the dynamic loader to link.
    case noDynamicSegment
    /// The `PT_DYNAMIC` segment at this program header index lies in no `PT_LOAD` segment's
    /// memory, where the dynamic loader would read it.
    case dynamicOutsideLoadableSegments(index: Int)

    public var description: String {
        "\(problem) — \(remedy)"
    }

    private var problem: String {
        switch self {
        case .empty:
            return "is empty"
        case .notELF(let start):
            return "is not an ELF shared library: it begins with \(hex(start)), not ELF's \(hex(ELFImage.magic))"
        case .cutShort(let part, let end, let size):
            return "is cut short: its \(part) ends at byte \(grouped(end)) but the file has \(bytes(size))"
        case .wrongClass(let found):
            return found == ELFImage.class32
                ? "is a 32-bit ELF file (ELFCLASS32) but this host loads only 64-bit libraries (ELFCLASS64)"
                : "has ELF class \(found), which is neither 32- nor 64-bit"
        case .wrongByteOrder(let found):
            return "is \(byteOrder(found)) but this host is \(byteOrder(ELFImage.Host.dataEncoding))"
        case .unknownVersion(let found):
            return "declares ELF version \(found), not the current version 1"
        case .notSharedObject(let type):
            return "is \(typeName(type)), not a shared library (ET_DYN)"
        case .wrongMachine(let found, let host):
            return
                "is built for \(machineName(found)) (e_machine \(found)) but this host is \(machineName(host)) (e_machine \(host))"
        case .headerSize(let found):
            return "declares an ELF header of \(bytes(Int(found))), not ELF64's \(ELFImage.headerSize)"
        case .programHeaderSize(let found):
            return "declares program headers of \(bytes(Int(found))), not ELF64's \(ELFImage.programHeaderSize)"
        case .sectionHeaderSize(let found):
            return "declares section headers of \(bytes(Int(found))), not ELF64's \(ELFImage.sectionHeaderSize)"
        case .overflows(let part):
            return "is corrupt: the end of its \(part) does not fit in 64 bits"
        case .noLoadableSegment:
            return "has no loadable segment (PT_LOAD)"
        case .noDynamicSegment:
            return "has no dynamic segment (PT_DYNAMIC), so it is no dynamically linked library"
        case .dynamicOutsideLoadableSegments(let index):
            return "is corrupt: its dynamic segment (segment \(index)) lies outside every loadable segment"
        }
    }

    private var remedy: String {
        let machine = machineName(ELFImage.Host.machine)
        switch self {
        case .empty, .cutShort:
            return "the copy is incomplete; copy the whole build again"
        case .notELF:
            return "point at the plugin's shared library (.so) itself"
        case .wrongClass, .wrongByteOrder, .wrongMachine:
            return "build the plugin on this machine, or cross-compile it for \(machine) Linux"
        case .notSharedObject, .noDynamicSegment:
            return "build the plugin as a dynamic library (a .dynamic library product in Swift, cc -shared -fPIC in C)"
        case .unknownVersion, .headerSize, .programHeaderSize, .sectionHeaderSize, .overflows, .noLoadableSegment,
            .dynamicOutsideLoadableSegments:
            return "the file is damaged; build the plugin again"
        }
    }
}

/// A part of an ELF file that must lie inside it, named as `readelf` numbers it.
public enum ELFPart: Sendable, Equatable, CustomStringConvertible {
    /// The 64-byte ELF header.
    case header
    /// The program header table (`e_phoff`, `e_phnum` entries).
    case programHeaderTable
    /// The section header table (`e_shoff`, `e_shnum` entries).
    case sectionHeaderTable
    /// The `PT_LOAD` segment at this program header index.
    case segment(Int)
    /// The `PT_DYNAMIC` segment at this program header index.
    case dynamicSegment(Int)

    public var description: String {
        switch self {
        case .header: return "ELF header"
        case .programHeaderTable: return "program header table"
        case .sectionHeaderTable: return "section header table"
        case .segment(let index): return "segment \(index) (PT_LOAD)"
        case .dynamicSegment(let index): return "segment \(index) (PT_DYNAMIC)"
        }
    }
}

// MARK: - Wording

private func hex(_ bytes: [UInt8]) -> String {
    bytes.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined(separator: " ")
}

/// `1,089,272`: sizes in messages are read by people comparing two of them.
private func grouped(_ value: UInt64) -> String {
    let digits = Array(String(value))
    return digits.enumerated().map { index, digit in
        index > 0 && (digits.count - index) % 3 == 0 ? ",\(digit)" : "\(digit)"
    }.joined()
}

private func bytes(_ count: Int) -> String {
    count == 1 ? "1 byte" : "\(grouped(UInt64(count))) bytes"
}

private func byteOrder(_ encoding: UInt8) -> String {
    switch encoding {
    case ELFImage.littleEndian: return "little-endian"
    case ELFImage.bigEndian: return "big-endian"
    default: return "of unknown byte order (EI_DATA \(encoding))"
    }
}

private func typeName(_ type: UInt16) -> String {
    switch type {
    case 0: return "of no ELF type (ET_NONE)"
    case 1: return "a relocatable object (ET_REL, a .o file)"
    case 2: return "an executable (ET_EXEC)"
    case 4: return "a core dump (ET_CORE)"
    default: return "of ELF type \(type)"
    }
}

/// The architectures a plugin is most likely built for by mistake, by `e_machine`.
private func machineName(_ machine: UInt16) -> String {
    switch machine {
    case 3: return "x86 (32-bit)"
    case 8: return "MIPS"
    case 20: return "PowerPC"
    case 21: return "PowerPC64"
    case 22: return "IBM S/390"
    case 40: return "ARM (32-bit)"
    case ELFImage.machineX86_64: return "x86-64"
    case ELFImage.machineAArch64: return "AArch64"
    case 243: return "RISC-V"
    case 258: return "LoongArch"
    default: return "machine \(machine)"
    }
}
