/// Why a plugin file was refused before any of it was loaded: where it lies, what kind of
/// file it is, who may write it, and whether it is a whole ELF shared library for this
/// machine. Each case names the file as it was given and says what to do.
///
/// Refusals of the code itself, once loaded (ABI, toolchain, descriptor), are
/// ``PluginLoadError``s.
public enum PluginFileError: Error, Sendable, Equatable, CustomStringConvertible {
    /// `path` cannot be read; `reason` is the system's (`No such file or directory`, …).
    case unreadable(path: String, reason: String)
    /// A symbolic link on `path` leads nowhere; `reason` is the system's.
    case unresolvable(path: String, reason: String)
    /// The configured plugin directory does not exist.
    case missingDirectory(path: String, directory: String)
    /// `path` lies outside the plugin directory.
    case outsideDirectory(path: String, directory: String)
    /// `path` is a symbolic link to `target`, which lies outside the plugin directory.
    case linkOutsideDirectory(path: String, target: String, directory: String)
    /// `path` is a directory, device, pipe or socket (`kind` says which).
    case notRegularFile(path: String, kind: String)
    /// Group or others may write the file (`mode` is its permission bits), so anyone could swap its code.
    case writableByOthers(path: String, mode: UInt32)
    /// The file is no whole ELF shared library for this machine.
    case notLoadable(path: String, defect: ELFDefect)
    /// The content-addressed copy of the file, at `copy`, does not hold the bytes that were checked.
    case copyChanged(path: String, copy: String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "cannot read plugin file \(path): \(reason) — check the path"
        case .unresolvable(let path, let reason):
            return "cannot resolve plugin path \(path): \(reason) — check where its symbolic links point"
        case .missingDirectory(_, let directory):
            return "the plugin directory \(directory) does not exist — create it or configure another plugin directory"
        case .outsideDirectory(let path, let directory):
            return
                "plugin file \(path) lies outside the plugin directory \(directory) — copy it into \(directory) or configure that directory"
        case .linkOutsideDirectory(let path, let target, let directory):
            return
                "plugin path \(path) is a symbolic link to \(target), which lies outside the plugin directory \(directory) — copy the plugin itself into \(directory)"
        case .notRegularFile(let path, let kind):
            return "plugin path \(path) is \(kind), not a regular file — point at the plugin's shared library itself"
        case .writableByOthers(let path, let mode):
            return
                "plugin file \(path) is writable by group or others (mode \(String(mode, radix: 8))) — anyone could swap its code; run chmod go-w \(path)"
        case .notLoadable(let path, let defect):
            return "plugin file \(path) \(defect)"
        case .copyChanged(let path, let copy):
            return
                "the copy of plugin file \(path) at \(copy) is not the build that was checked: something else writes to the plugin cache — give this process a plugin cache of its own"
        }
    }
}
