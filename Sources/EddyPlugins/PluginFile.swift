#if canImport(Glibc)
    import Glibc
#endif

/// The file-level checks made before a plugin's code is touched, and the content-addressed
/// copy that is loaded instead of the file itself.
///
/// A plugin path may be a symbolic link, but what it resolves to must lie inside the plugin
/// directory, be a regular file and not be writable by group or others; its bytes must be a
/// whole ELF shared library for this machine (``ELFImage``); and the copy that `dlopen` maps
/// must hold exactly those bytes. Kind and permissions are checked on the opened file whose
/// bytes are read, and the bytes are checked once in memory, so a file replaced or rewritten
/// between the checks and the read cannot pass unchecked.
enum PluginFile {
    /// The canonical path of `path`, every symbolic link resolved, after checking that it
    /// lies inside `pluginDirectory`.
    static func resolve(_ path: String, in pluginDirectory: String) throws(PluginFileError) -> String {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        guard let canonicalFile = realpath(path, nil) else { throw .unresolvable(path: path, reason: systemError()) }
        defer { free(canonicalFile) }
        guard let canonicalDirectory = realpath(pluginDirectory, nil) else {
            throw .missingDirectory(path: path, directory: pluginDirectory)
        }
        defer { free(canonicalDirectory) }
        let file = String(cString: canonicalFile)
        let directory = String(cString: canonicalDirectory)
        guard file.hasPrefix(directory.hasSuffix("/") ? directory : directory + "/") else {
            if info.st_mode & S_IFMT == S_IFLNK {
                throw .linkOutsideDirectory(path: path, target: file, directory: pluginDirectory)
            }
            throw .outsideDirectory(path: path, directory: pluginDirectory)
        }
        return file
    }

    /// The bytes of the regular file at `canonical` (reported as `path`), read with plain
    /// reads — never mapped, so a file that shrinks meanwhile yields fewer bytes, not a fault.
    ///
    /// The file's kind is checked before it is opened (opening a pipe or a device may block or
    /// act), and its kind and permissions again on the opened file, which is the one read.
    static func read(_ canonical: String, reportedAs path: String) throws(PluginFileError) -> [UInt8] {
        var info = stat()
        guard lstat(canonical, &info) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        try requireRegular(info, path)
        let descriptor = open(canonical, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC)
        guard descriptor >= 0 else { throw .unreadable(path: path, reason: systemError()) }
        defer { close(descriptor) }
        guard fstat(descriptor, &info) == 0 else { throw .unreadable(path: path, reason: systemError()) }
        try requireRegular(info, path)
        let mode = UInt32(info.st_mode & 0o777)
        guard mode & 0o022 == 0 else { throw .writableByOthers(path: path, mode: mode) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(Int(info.st_size))
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, $0.count) }
            if count == 0 { return bytes }
            if count < 0 {
                if errno == EINTR { continue }
                throw .unreadable(path: path, reason: systemError())
            }
            bytes.append(contentsOf: chunk[..<count])
        }
    }

    /// Refuses `bytes` of the file at `path` unless they are a whole ELF shared library for
    /// this machine.
    static func requireImage(_ bytes: [UInt8], of path: String) throws(PluginFileError) {
        do {
            try ELFImage.check(bytes)
        } catch {
            throw .notLoadable(path: path, defect: error)
        }
    }

    /// Refuses the content-addressed `copy` of the file at `path` unless, read back, it holds
    /// exactly `bytes`, the bytes that were checked. The copy is written from those bytes, not
    /// from the file, so a file that changes after it was read cannot reach it; this catches a
    /// cache entry that something else wrote or changed. Byte equality with the checked bytes
    /// is a stronger check of the copy than parsing it again.
    ///
    /// Call it just before `dlopen`: the instant between the two is not covered, and only a
    /// writer inside the cache directory could use it.
    static func requireCopy(_ copy: String, holds bytes: [UInt8], of path: String) throws(PluginFileError) {
        guard (try? read(copy, reportedAs: copy)) == bytes else { throw .copyChanged(path: path, copy: copy) }
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
            let existing = try? read(target, reportedAs: target), SHA256.hex(of: existing) == sha256
        {
            return target
        }
        try makeDirectories(directory)
        let temporary = directory + "/.\(name).\(getpid()).\(UInt(pthread_self())).tmp"
        guard let file = fopen(temporary, "wb") else {
            throw PluginLoadError(
                path: target,
                "cannot write plugin copy \(temporary): \(String(cString: strerror(errno))) — check the plugin cache directory"
            )
        }
        let written = bytes.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, file) }
        let closed = fclose(file)
        guard written == bytes.count, closed == 0, chmod(temporary, 0o555) == 0, rename(temporary, target) == 0 else {
            unlink(temporary)
            throw PluginLoadError(
                path: target, "cannot write plugin copy \(target): \(String(cString: strerror(errno)))")
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

    private static func requireRegular(_ info: stat, _ path: String) throws(PluginFileError) {
        let type = info.st_mode & S_IFMT
        guard type == S_IFREG else { throw .notRegularFile(path: path, kind: describe(type)) }
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

    private static func systemError() -> String { String(cString: strerror(errno)) }
}
