import Foundation

/// The plugin files the host must refuse before `dlopen`, each made from a real built
/// plugin, with the exact message it is refused with. The loader, `eddy plugin inspect` and a
/// running worker all refuse them in the same words, so their tests share this one list.
///
/// The expected numbers come from binutils' `readelf` and the sizes are formatted by
/// Foundation: neither is the host's own code.
public enum BadPluginFile: String, CaseIterable, Sendable, CustomStringConvertible {
    /// The first 4,000 bytes of the build, as a copy that stopped early leaves it.
    case cutShortAt4000
    /// The first 100,000 bytes of the build.
    case cutShortAt100000
    /// No bytes at all.
    case empty
    /// A text file under the plugin's name.
    case text
    /// The build with its `e_machine` set to another architecture's.
    case foreignArchitecture
    /// A directory under the plugin's name.
    case directory
    /// A symbolic link under the plugin's name to a copy of the build outside the directory.
    case linkOutside
    /// A copy of the build beside the plugin directory, loaded by its path.
    case fileOutside

    public var description: String { rawValue }

    /// `e_machine` of an architecture that is not this host's: AArch64 on x86-64, x86-64 elsewhere.
    public static let foreignMachine: (number: UInt16, name: String) = {
        #if arch(x86_64)
            return (183, "AArch64")
        #else
            return (62, "x86-64")
        #endif
    }()

    /// This host's `e_machine` and its name, as the refusal of a foreign build names it.
    public static let hostMachine: (number: UInt16, name: String) = {
        #if arch(x86_64)
            return (62, "x86-64")
        #else
            return (183, "AArch64")
        #endif
    }()

    /// Makes this bad file from the built plugin at `built`: under `name` inside `directory`
    /// (replacing what is there, written in place as an interrupted copy would leave it), or,
    /// for ``fileOutside``, beside `directory`. Returns the path to load.
    public func make(named name: String, from built: String, in directory: String) throws -> String {
        let path = (directory as NSString).appendingPathComponent(name)
        let outside = ((directory as NSString).deletingLastPathComponent as NSString)
            .appendingPathComponent("outside-\(UUID().uuidString.prefix(8))-\(name)")
        let build = try Data(contentsOf: URL(fileURLWithPath: built))
        try? FileManager.default.removeItem(atPath: path)
        switch self {
        case .cutShortAt4000: try Self.write(build.prefix(4000), to: path)
        case .cutShortAt100000: try Self.write(build.prefix(100_000), to: path)
        case .empty: try Self.write(Data(), to: path)
        case .text: try Self.write(Data("just text, no code\n".utf8), to: path)
        case .foreignArchitecture:
            var patched = build
            withUnsafeBytes(of: Self.foreignMachine.number.littleEndian) { patched.replaceSubrange(18..<20, with: $0) }
            try Self.write(patched, to: path)
        case .directory: try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        case .linkOutside:
            try Self.write(build, to: outside)
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: outside)
        case .fileOutside:
            try Self.write(build, to: outside)
            return outside
        }
        return path
    }

    /// The exact message refusing `path`, made by ``make(named:from:in:)`` from `built` in
    /// `directory` (spelled as the loader was given it).
    public func refusal(of path: String, directory: String, built: String) throws -> String {
        let incomplete = "the copy is incomplete; copy the whole build again"
        switch self {
        case .cutShortAt4000, .cutShortAt100000:
            let size = self == .cutShortAt4000 ? 4000 : 100_000
            let segments = try ReadElf(built).segments.filter { $0.type == "LOAD" || $0.type == "DYNAMIC" }
            guard let first = segments.first(where: { $0.fileEnd > UInt64(size) }) else {
                throw ProcessRunner.Failure(description: "every segment of \(built) lies in its first \(size) bytes")
            }
            return
                "plugin file \(path) is cut short: its segment \(first.index) (PT_\(first.type)) ends at byte \(Self.grouped(first.fileEnd)) but the file has \(Self.grouped(UInt64(size))) bytes — \(incomplete)"
        case .empty:
            return "plugin file \(path) is empty — \(incomplete)"
        case .text:
            return
                "plugin file \(path) is not an ELF shared library: it begins with 6a 75 73 74, not ELF's 7f 45 4c 46 — point at the plugin's shared library (.so) itself"
        case .foreignArchitecture:
            let (foreign, host) = (Self.foreignMachine, Self.hostMachine)
            return
                "plugin file \(path) is built for \(foreign.name) (e_machine \(foreign.number)) but this host is \(host.name) (e_machine \(host.number)) — build the plugin on this machine, or cross-compile it for \(host.name) Linux"
        case .directory:
            return
                "plugin path \(path) is a directory, not a regular file — point at the plugin's shared library itself"
        case .linkOutside:
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: path)
            return
                "plugin path \(path) is a symbolic link to \(Self.canonical(target)), which lies outside the plugin directory \(directory) — copy the plugin itself into \(directory)"
        case .fileOutside:
            return
                "plugin file \(path) lies outside the plugin directory \(directory) — copy it into \(directory) or configure that directory"
        }
    }

    /// Writes `data` to `path` in place (not atomically, as `cp` does), mode 644.
    private static func write(_ data: Data, to path: String) throws {
        try data.write(to: URL(fileURLWithPath: path))
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path)
    }

    private static func grouped(_ value: UInt64) -> String {
        Int(value).formatted(.number.locale(Locale(identifier: "en_US")))
    }

    private static func canonical(_ path: String) -> String {
        guard let resolved = realpath(path, nil) else { return path }
        defer { free(resolved) }
        return String(cString: resolved)
    }
}
