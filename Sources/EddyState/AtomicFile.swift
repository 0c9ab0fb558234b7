#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes a small file so that a crash leaves either the old file or the new one, never a
/// torn one: a temporary file, fsync, rename, fsync of the directory.
enum AtomicFile {
    static func write(_ text: String, to path: String) throws {
        let temporary = path + ".tmp"
        let fd = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateStoreError.io(operation: "create", path: temporary, errno: errno) }
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { writeAll(fd, $0) }
        if written != bytes.count || fsync(fd) != 0 {
            let code = errno
            close(fd)
            throw StateStoreError.io(operation: "write", path: temporary, errno: code)
        }
        close(fd)
        guard rename(temporary, path) == 0 else {
            throw StateStoreError.io(operation: "rename to \(path)", path: temporary, errno: errno)
        }
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let dirFd = open(directory.isEmpty ? "." : directory, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dirFd >= 0 {
            fsync(dirFd)
            close(dirFd)
        }
    }
}

private func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int {
    var done = 0
    while done < buffer.count {
        let n = write(fd, buffer.baseAddress! + done, buffer.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            return -1
        }
        done += n
    }
    return done
}
