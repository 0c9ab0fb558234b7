import Foundation

/// What binutils' `readelf` says of an ELF file: the table ends and program headers that
/// tests compare the host's ELF checks against, from a parser that is not the host's.
public struct ReadElf: Sendable {
    /// One program header, numbered as `readelf` numbers it.
    public struct Segment: Sendable {
        public let index: Int
        /// `LOAD`, `DYNAMIC`, `NOTE`, …
        public let type: String
        public let offset: UInt64
        public let virtualAddress: UInt64
        public let fileSize: UInt64

        /// Where the segment's bytes end in the file.
        public var fileEnd: UInt64 { offset + fileSize }
    }

    /// `e_phoff`.
    public let programHeaderTableStart: UInt64
    /// Where the program header table ends (`e_phoff + e_phnum * e_phentsize`).
    public let programHeaderTableEnd: UInt64
    /// `e_shoff`.
    public let sectionHeaderTableStart: UInt64
    /// `e_shnum`.
    public let sectionCount: UInt64
    /// Where the section header table ends (`e_shoff + e_shnum * e_shentsize`).
    public let sectionHeaderTableEnd: UInt64
    public let segments: [Segment]

    /// Runs `readelf -hlW` on `path`.
    public init(_ path: String) throws {
        let result = try ProcessRunner.run("/usr/bin/env", ["readelf", "-hlW", path])
        guard result.status == 0 else {
            throw ProcessRunner.Failure(description: "readelf -hlW \(path) failed: \(result.stderr)")
        }
        let lines = result.stdout.split(separator: "\n", omittingEmptySubsequences: false).map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        func header(_ name: String) throws -> UInt64 {
            guard let line = lines.first(where: { $0.hasPrefix(name + ":") }),
                let value = line.dropFirst(name.count + 1).split(separator: " ").first.flatMap({ UInt64($0) })
            else { throw ProcessRunner.Failure(description: "readelf printed no \(name) for \(path)") }
            return value
        }
        programHeaderTableStart = try header("Start of program headers")
        programHeaderTableEnd =
            try programHeaderTableStart + header("Number of program headers") * header("Size of program headers")
        sectionHeaderTableStart = try header("Start of section headers")
        sectionCount = try header("Number of section headers")
        sectionHeaderTableEnd = try sectionHeaderTableStart + sectionCount * header("Size of section headers")
        // Program headers: one line each under the "Type Offset VirtAddr …" title, up to a blank line.
        guard let title = lines.firstIndex(where: { $0.hasPrefix("Type") && $0.contains("Offset") }) else {
            throw ProcessRunner.Failure(description: "readelf printed no program headers for \(path)")
        }
        let rows = lines[(title + 1)...].prefix { !$0.isEmpty }.filter { !$0.hasPrefix("[") }
        segments = try rows.enumerated().map { index, row in
            let fields = row.split(separator: " ")
            guard fields.count >= 6, let offset = UInt64(fields[1].dropFirst(2), radix: 16),
                let address = UInt64(fields[2].dropFirst(2), radix: 16),
                let size = UInt64(fields[4].dropFirst(2), radix: 16)
            else { throw ProcessRunner.Failure(description: "cannot read readelf's program header line \"\(row)\"") }
            return Segment(
                index: index, type: String(fields[0]), offset: offset, virtualAddress: address, fileSize: size)
        }
    }
}
