#if canImport(Glibc)
    import Glibc
#endif

/// The file-level checks made before a plugin's code is touched: it must be a regular file
/// (not a link, directory or device), not writable by group or others, and inside the
/// configured plugin directory.
enum PluginFile {
    /// The canonical path of `path`, after checking it.
    static func check(_ path: String, pluginDirectory: String) throws -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            throw PluginLoadError(
                path: path, "cannot read plugin file \(path): \(String(cString: strerror(errno))) — check the path")
        }
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else {
            throw PluginLoadError(
                path: path,
                "plugin path \(path) is \(describe(type)), not a regular file — point at the plugin's shared library itself")
        }
        let mode = info.st_mode & 0o777
        guard mode & 0o022 == 0 else {
            throw PluginLoadError(
                path: path,
                "plugin file \(path) is writable by group or others (mode \(String(mode, radix: 8))) — anyone could swap its code; run chmod go-w \(path)")
        }
        guard let canonicalFile = realpath(path, nil) else {
            throw PluginLoadError(path: path, "cannot resolve plugin path \(path): \(String(cString: strerror(errno)))")
        }
        defer { free(canonicalFile) }
        guard let canonicalDirectory = realpath(pluginDirectory, nil) else {
            throw PluginLoadError(
                path: path,
                "the plugin directory \(pluginDirectory) does not exist — create it or configure another plugin directory")
        }
        defer { free(canonicalDirectory) }
        let file = String(cString: canonicalFile)
        let directory = String(cString: canonicalDirectory)
        let prefix = directory.hasSuffix("/") ? directory : directory + "/"
        guard file.hasPrefix(prefix) else {
            throw PluginLoadError(
                path: path,
                "plugin file \(path) lies outside the plugin directory \(pluginDirectory) — copy it into \(pluginDirectory) or configure that directory")
        }
        return file
    }

    /// The file's bytes.
    static func read(_ path: String) throws -> [UInt8] {
        guard let file = fopen(path, "rb") else {
            throw PluginLoadError(path: path, "cannot open plugin file \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count > 0 { bytes.append(contentsOf: chunk[0..<count]) }
            if count < chunk.count { break }
        }
        guard ferror(file) == 0 else {
            throw PluginLoadError(path: path, "cannot read plugin file \(path): read error")
        }
        return bytes
    }

    /// Writes `bytes` to `<cache>/<sha256>/<name>`, read-only, through a temporary file and a
    /// rename so a crash never leaves a partial copy. A copy already there is reused only if
    /// its content still hashes to `sha256`; anything else at that path is replaced.
    static func contentAddressedCopy(of bytes: [UInt8], sha256: String, name: String, cacheDirectory: String) throws
        -> String
    {
        let directory = cacheDirectory + "/" + sha256
        let target = directory + "/" + name
        var info = stat()
        if lstat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG, Int(info.st_size) == bytes.count,
            let existing = try? read(target), SHA256.hex(of: existing) == sha256
        {
            return target
        }
        try makeDirectories(directory)
        let temporary = directory + "/.\(name).\(getpid()).\(UInt(pthread_self())).tmp"
        guard let file = fopen(temporary, "wb") else {
            throw PluginLoadError(
                path: target, "cannot write plugin copy \(temporary): \(String(cString: strerror(errno))) — check the plugin cache directory")
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, chmod(temporary, 0o555) == 0, rename(temporary, target) == 0 else {
            unlink(temporary)
            throw PluginLoadError(path: target, "cannot write plugin copy \(target): \(String(cString: strerror(errno)))")
        }
        return target
    }

    private static func makeDirectories(_ path: String) throws {
        var built = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            built += "/" + component
            if mkdir(built, 0o755) != 0 && errno != EEXIST {
                throw PluginLoadError(
                    path: path, "cannot create plugin cache directory \(built): \(String(cString: strerror(errno)))")
            }
        }
    }

    private static func describe(_ type: mode_t) -> String {
        switch type {
        case S_IFDIR: return "a directory"
        case S_IFLNK: return "a symbolic link"
        case S_IFCHR, S_IFBLK: return "a device"
        case S_IFIFO: return "a pipe"
        case S_IFSOCK: return "a socket"
        default: return "not a regular file"
        }
    }
}
