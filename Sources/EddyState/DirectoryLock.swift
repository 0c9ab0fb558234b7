#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The exclusive lock on a directory: `flock` on its `.lock` file. A task directory is locked
/// for as long as the task's stores are open, an application's state directory for as long as
/// a worker runs on it. The file records the holder (process id and host) so that a second
/// opener can say who has it. The kernel drops the lock when the holder dies, even with
/// `kill -9`, so a crashed worker never leaves a stale lock behind.
final class DirectoryLock {
    static let fileName = ".lock"

    let directory: String
    private var fd: Int32

    /// Takes the lock on `directory` (which must exist), or throws `held(holder)` naming the
    /// holder when another owner still has it after `wait`.
    ///
    /// A short wait covers locks on their way out: a previous owner closing the task, or a
    /// child process that another thread is starting, which holds a copy of the lock file's
    /// descriptor between `fork` and `exec`.
    init(directory: String, waitingUpTo wait: Duration = .zero, held: (String) -> StateStoreError) throws {
        self.directory = directory
        let path = directory + "/" + Self.fileName
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw StateStoreError.io(operation: "open lock file", path: path, errno: errno) }
        let deadline = ContinuousClock.now.advanced(by: wait)
        while flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == EWOULDBLOCK, ContinuousClock.now < deadline {
                usleep(10_000)
                continue
            }
            let holder = Self.readHolder(fd)
            close(fd)
            if code == EWOULDBLOCK {
                throw held(holder)
            }
            throw StateStoreError.io(operation: "flock", path: path, errno: code)
        }
        let record = Array("pid \(getpid()) on host \(Self.hostName())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = record.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
    }

    deinit { release() }

    /// Releases the lock; further calls do nothing.
    func release() {
        guard fd >= 0 else { return }
        _ = ftruncate(fd, 0)
        close(fd)
        fd = -1
    }

    // MARK: - Private

    private static func readHolder(_ fd: Int32) -> String {
        var buffer = [UInt8](repeating: 0, count: 256)
        let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        let text = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : ""
        let trimmed = text.split(separator: "\n").first.map(String.init) ?? ""
        if trimmed.isEmpty { return "another process (it has not recorded its pid yet)" }
        if trimmed.hasPrefix("pid \(getpid()) ") { return "this process (\(trimmed))" }
        return trimmed
    }

    private static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown" }
        return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
